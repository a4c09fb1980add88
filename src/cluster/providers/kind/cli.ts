// The kind and docker command lines the kind provider runs, one function each, all through
// runCommand with argument arrays. `kind` and `docker` are looked up on PATH, so tests can put a
// recording stand-in first on PATH and real runs use the real tools.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runCommand, type RunResult } from '../../../process/exec.ts';
import { cacheRoot } from '../../cache.ts';

/** What every kind/docker invocation needs from its caller. */
export interface CliOptions {
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Called with each line kind prints, for progress. */
  onLine?: (line: string) => void;
}

/** How long kind may take to create a cluster (image pull included) before we give up. */
const CREATE_TIMEOUT_MS = 15 * 60_000;

/** The names of the running kind clusters (`kind get clusters`; "No kind clusters found." is none). */
export async function listClusters(options: CliOptions): Promise<string[]> {
  const result = await kind(['get', 'clusters'], options, 60_000);
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/**
 * Creates the cluster. `--retain` keeps a half-made cluster so its logs can be exported before we
 * delete it ourselves (kind would otherwise delete it, and its logs, on failure).
 */
export async function createCluster(
  spec: { name: string; configFile: string; nodeImage: string; wait: string },
  options: CliOptions,
): Promise<RunResult> {
  return kind(
    [
      'create',
      'cluster',
      '--name',
      spec.name,
      '--config',
      spec.configFile,
      '--image',
      spec.nodeImage,
      '--wait',
      spec.wait,
      '--retain',
    ],
    options,
    CREATE_TIMEOUT_MS,
  );
}

/** The cluster's admin kubeconfig (`kind get kubeconfig --name`), as text. */
export async function getKubeconfig(name: string, options: CliOptions): Promise<string> {
  // Never streamed as progress: the kubeconfig holds the admin's client key.
  return (await kind(['get', 'kubeconfig', '--name', name], { ...options, onLine: undefined }, 60_000))
    .stdout;
}

/** The node containers of the cluster (`kind get nodes --name`). */
export async function listNodes(name: string, options: CliOptions): Promise<string[]> {
  const result = await kind(['get', 'nodes', '--name', name], options, 60_000);
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Copies images from the local Docker engine onto every node (`kind load docker-image`). */
export async function loadDockerImages(name: string, images: string[], options: CliOptions): Promise<void> {
  await kind(['load', 'docker-image', ...images, '--name', name], options, CREATE_TIMEOUT_MS);
}

/** Writes the cluster's node, kubelet, containerd and pod logs under `dir` (`kind export logs`). */
export async function exportLogs(name: string, dir: string, options: CliOptions): Promise<void> {
  await kind(['export', 'logs', dir, '--name', name], options, 5 * 60_000);
}

/** Deletes the named cluster; kind succeeds when it does not exist. */
export async function deleteCluster(name: string, options: CliOptions): Promise<void> {
  await kind(['delete', 'cluster', '--name', name], options, 5 * 60_000);
}

/** The image references the node's container runtime holds (`crictl images -o json` inside the node). */
export async function nodeImages(node: string, options: CliOptions): Promise<string[]> {
  const result = await runCommand('docker', ['exec', node, 'crictl', 'images', '-o', 'json'], {
    env: options.env,
    signal: options.signal,
    timeoutMs: 60_000,
  });
  const parsed = JSON.parse(result.stdout) as { images?: { repoTags?: string[]; repoDigests?: string[] }[] };
  return (parsed.images ?? []).flatMap((image) => [...(image.repoTags ?? []), ...(image.repoDigests ?? [])]);
}

/**
 * kind's own kubeconfig: `kind create` and `kind delete` edit the file $KUBECONFIG names, which is
 * the user's (or another cluster's admin kubeconfig: deleting a kind cluster removed its
 * current-context). incluster reads the cluster's kubeconfig with `kind get kubeconfig` instead, so
 * kind writes only into this file of its own.
 */
export function kindOwnKubeconfig(env: NodeJS.ProcessEnv): string {
  return join(cacheRoot(env), 'kind', 'kind.kubeconfig');
}

async function kind(args: string[], options: CliOptions, timeoutMs: number): Promise<RunResult> {
  const kubeconfig = kindOwnKubeconfig(options.env);
  await mkdir(dirname(kubeconfig), { recursive: true });
  return runCommand('kind', args, {
    env: { ...options.env, KUBECONFIG: kubeconfig },
    signal: options.signal,
    timeoutMs,
    onLine: options.onLine ? (line) => options.onLine?.(line) : undefined,
  });
}
