// The runner image: built with Docker's legacy builder (no BuildKit here; `--network=host` because
// the engine may run without a bridge), tagged `<config.runner.image>:<content hash>` and never
// `:latest`, then put where the cluster's node can run it (FR-010, FR-011).
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClusterProvider, ProviderContext } from '../cluster/provider.ts';
import { canLoadImages } from '../cluster/provider.ts';
import { pushToRegistry, repositoryOf } from '../cluster/images/registry-push.ts';
import { InfrastructureError, UsageError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { MANAGED_BY_SELECTOR } from '../ownership.ts';
import { CommandError, runCommand } from '../process/exec.ts';
import { baseImageIds, baseImages, dockerImageId, type ImageIdLookup } from './base-images.ts';
import { stagedPluginDigest } from './pytest-plugin.ts';
import { contentHash, contextEntries } from './build-context.ts';

/** Characters of the content hash used as the tag: enough to never collide in one registry. */
const TAG_LENGTH = 16;

export interface BuildOptions {
  /** Absolute build context directory. */
  contextDir: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Repository name (config.runner.image). */
  repository: string;
  buildArgs?: Record<string, string>;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each line of docker's output, for the status line. */
  onLine?: (line: string) => void;
  /** How base images are looked up for the content hash; default: the local Docker engine. */
  baseImageId?: ImageIdLookup;
}

/** Where Debian and Ubuntu keep the certificate authorities an administrator added to the host. */
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';

/**
 * The build arguments docker receives: the configured ones, plus EXTRA_CA_CERTS with the host's
 * locally added CA certificates. Behind a TLS-intercepting proxy the host trusts the proxy's CA
 * and a fresh base image does not, so `npm ci` in the build would fail; the runner Dockerfile
 * trusts these for its install step only. (A Dockerfile without that ARG ignores it.)
 */
async function effectiveBuildArgs(
  options: Pick<BuildOptions, 'buildArgs'>,
  caDir = LOCAL_CA_DIR,
): Promise<Record<string, string>> {
  const args = { ...options.buildArgs };
  if (args.EXTRA_CA_CERTS === undefined) {
    const pems = await localCaCertificates(caDir);
    if (pems) args.EXTRA_CA_CERTS = pems;
  }
  return args;
}

async function localCaCertificates(dir: string): Promise<string> {
  let names: string[];
  try {
    names = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.crt')).sort();
  } catch {
    return '';
  }
  const pems = await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8').catch(() => '')));
  return pems
    .filter((pem) => pem.includes('-----BEGIN CERTIFICATE-----'))
    .map((pem) => pem.trim())
    .join('\n');
}

/** A built (or reused) image. */
export interface RunnerImage {
  /** `incluster-runner:3f2a…`. */
  reference: string;
  /** The engine's image ID (`sha256:…`), the digest of its config. */
  id: string;
  /** False when the tag already existed and nothing was built. */
  built: boolean;
  contentHash: string;
}

/** The tag of the image a context would build: the content hash, shortened. */
export async function imageReference(options: BuildOptions): Promise<{ reference: string; hash: string }> {
  if (/[:@]/.test(options.repository.split('/').at(-1) ?? ''))
    throw new UsageError(
      `runner.image must be a repository name without tag or digest (the tag is a content hash), got \`${options.repository}\``,
    );
  let dockerfile: string;
  try {
    dockerfile = await readFile(options.dockerfile, 'utf8');
  } catch (error) {
    throw new UsageError(`runner.dockerfile ${options.dockerfile} cannot be read`, { cause: error });
  }
  const entries = await contextEntries(options.contextDir).catch((error: unknown) => {
    throw new UsageError(`runner.context ${options.contextDir} cannot be read`, { cause: error });
  });
  const buildArgs = await effectiveBuildArgs(options);
  const hash = contentHash(
    entries,
    dockerfile,
    buildArgs,
    await baseImageIdsOf(dockerfile, buildArgs, options),
  );
  return { reference: `${options.repository}:${hash.slice(0, TAG_LENGTH)}`, hash };
}

/** The images a runner Dockerfile's text builds FROM, the build arguments (and the host's CAs) applied. */
export async function runnerBaseImages(
  dockerfile: string,
  options: Pick<BuildOptions, 'buildArgs'> = {},
): Promise<string[]> {
  return baseImages(dockerfile, await effectiveBuildArgs(options));
}

/** `image=id` of every base image the Dockerfile builds on, as the local engine has them now. */
async function baseImageIdsOf(
  dockerfile: string,
  buildArgs: Readonly<Record<string, string>>,
  options: Pick<BuildOptions, 'baseImageId' | 'env' | 'signal'>,
): Promise<string[]> {
  const lookup = options.baseImageId ?? dockerImageId(options.env ?? process.env, options.signal);
  return baseImageIds(baseImages(dockerfile, buildArgs), lookup);
}

/** The lockfiles a runner image's dependency layer may be installed from (npm, pnpm, yarn, uv, pip, poetry). */
export const LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
  'uv.lock',
  'requirements.txt',
  'poetry.lock',
] as const;

/**
 * What the dependency layer depends on: the Dockerfile, its base images, package.json, every
 * lockfile present and the build arguments. Two images with the same key differ only in their
 * sources, so the sync path may reuse one for the other.
 */
export async function dependencyKey(options: BuildOptions): Promise<string> {
  const read = (path: string) => readFile(path, 'utf8').catch(() => '');
  const dockerfile = await read(options.dockerfile);
  const buildArgs = await effectiveBuildArgs(options);
  const parts = [
    dockerfile,
    await read(join(options.contextDir, 'package.json')),
    ...(await Promise.all(
      LOCKFILES.map(async (name) => `${name}\0${await read(join(options.contextDir, name))}`),
    )),
    JSON.stringify(Object.entries(buildArgs).sort()),
    ...(await baseImageIdsOf(dockerfile, buildArgs, options)),
  ];
  const plugin = await stagedPluginDigest(options.contextDir);
  if (plugin) parts.push(`pytest-plugin\0${plugin}`);
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

/** Builds the runner image unless an image with its content hash already exists. */
export async function buildRunnerImage(options: BuildOptions): Promise<RunnerImage> {
  const env = { ...(options.env ?? process.env), DOCKER_BUILDKIT: '0' };
  const { reference, hash } = await imageReference(options);
  const existing = await imageId(reference, env, options.signal);
  if (existing) return { reference, id: existing, built: false, contentHash: hash };
  const args = ['build', '--network=host', '--file', options.dockerfile, '--tag', reference];
  for (const [key, value] of Object.entries(await effectiveBuildArgs(options)))
    args.push('--build-arg', `${key}=${value}`);
  // The label lets `docker image prune --filter label=…` clean old runner images up.
  args.push('--label', MANAGED_BY_SELECTOR, options.contextDir);
  // The container of the step running when the build is interrupted: the engine removes it on its own
  // time after the client is gone (and one cancelled as it is created stays), so an interrupt removes it.
  let stepContainer: string | undefined;
  try {
    await runCommand('docker', args, {
      env,
      signal: options.signal,
      timeoutMs: 30 * 60_000,
      onLine: (line) => {
        stepContainer = /^ ---> Running in ([0-9a-f]{12,64})$/.exec(line)?.[1] ?? stepContainer;
        options.onLine?.(line);
      },
    });
  } catch (error) {
    if (options.signal?.aborted) {
      if (stepContainer)
        await runCommand('docker', ['rm', '--force', stepContainer], { env, allowFailure: true });
      throw error;
    }
    const step = error instanceof CommandError ? failedBuildStep(error.stdout, error.stderr) : undefined;
    throw new InfrastructureError(
      'ImageBuildFailed',
      `building the runner image ${reference} failed${step ? ` at ${step.title}` : ''}`,
      {
        cause: error,
        hint: step
          ? `the step's last output:\n${step.output.map((line) => `    ${line}`).join('\n')}\nfix the step in ${options.dockerfile} (or what it installs), then run again`
          : `${error instanceof CommandError && error.hint ? `${error.hint}\n` : ''}the Dockerfile is ${options.dockerfile}`,
      },
    );
  }
  const id = await imageId(reference, env, options.signal);
  if (!id) throw new InfrastructureError('ImageBuildFailed', `docker built ${reference} but cannot find it`);
  return { reference, id, built: true, contentHash: hash };
}

/** Lines of a failed step's own output kept in the error: enough for npm's `npm error` block. */
const FAILED_STEP_LINES = 25;

/**
 * The step a legacy-builder build failed at, and its last lines of output with docker's own error
 * last. Docker prints each step's output on stdout after `Step i/n : …`, and on stderr only its
 * deprecation banner and `The command … returned a non-zero code`: the tail of stderr alone would
 * show the banner and the RUN line, not why the step failed.
 */
function failedBuildStep(stdout: string, stderr: string): { title: string; output: string[] } | undefined {
  const lines = stdout.split('\n');
  const start = lines.findLastIndex((line) => /^Step \d+\/\d+ : /.test(line));
  if (start < 0) return undefined;
  const title = lines[start]!.replace(/^Step (\d+\/\d+) : /, 'step $1: ');
  const output = lines
    .slice(start + 1)
    .filter((line) => line.trim() !== '' && !/^ ---> |^Removing intermediate container /.test(line));
  // stderr without the builder's deprecation banner (its first paragraph).
  const errors = stderr
    .replace(/^DEPRECATED:[\s\S]*?(\n\s*\n|$)/, '')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return {
    title: title.length > 160 ? `${title.slice(0, 160)}…` : title,
    output: [...output, ...errors].slice(-FAILED_STEP_LINES),
  };
}

/** Where the image ended up for the cluster: the reference pods use, and how they may pull it. */
export interface DeliveredImage {
  reference: string;
  pullPolicy: 'Never' | 'IfNotPresent';
  /** The registry digest (`repo@sha256:…`) when pushed. */
  digest?: string;
}

/**
 * Remembers which image IDs incluster loaded into which cluster (named by its kube-system
 * namespace's UID, new whenever the cluster is recreated). Kubelets list a new image in their node
 * status only minutes later, so without this an unchanged tree would be loaded again on every run.
 */
export interface LoadMemo {
  file: string;
  clusterId: string;
  imageId: string;
}

/** Loads the image onto the nodes (kind, local: verified there) or pushes it to the configured registry. */
export async function deliverImage(
  provider: ClusterProvider,
  ctx: ProviderContext,
  image: string,
  client?: KubeClient,
  memo?: LoadMemo,
): Promise<DeliveredImage & { loaded: boolean }> {
  if (canLoadImages(provider)) {
    // The tag is a content hash: if every node already lists it, it is this very image.
    const key = memo ? `${memo.clusterId} ${image} ${memo.imageId}` : undefined;
    const loaded = memo ? await readMemo(memo.file) : [];
    if ((key && loaded.includes(key)) || (client && (await imageOnEveryNode(client, image))))
      return { reference: image, pullPolicy: 'Never', loaded: false };
    await provider.loadImages(ctx, [image]);
    if (memo && key) {
      await mkdir(dirname(memo.file), { recursive: true });
      await writeFile(memo.file, `${JSON.stringify([...loaded.slice(-49), key], null, 2)}\n`).catch(
        () => undefined,
      );
    }
    return { reference: image, pullPolicy: 'Never', loaded: true };
  }
  const [pushed] = await pushToRegistry(ctx.config.cluster.existing.registry, [image], {
    env: ctx.env,
    signal: ctx.signal,
  });
  if (!pushed) throw new InfrastructureError('ImagePushFailed', `pushing ${image} returned nothing`);
  const digest = await runCommand(
    'docker',
    ['image', 'inspect', '--format', '{{json .RepoDigests}}', pushed.target],
    {
      env: ctx.env,
      signal: ctx.signal,
    },
  )
    // The image may carry digests of other registries (or of this one under an earlier port): only
    // the pushed repository's own is the one the nodes can pull.
    .then((r) =>
      (JSON.parse(r.stdout) as string[]).find((d) => d.startsWith(`${repositoryOf(pushed.target)}@`)),
    )
    .catch(() => undefined);
  return { reference: digest ?? pushed.target, pullPolicy: 'IfNotPresent', digest, loaded: true };
}

/** The image last loaded into a cluster for a dependency key, to sync sources into (sources.ts). */
export async function baseImageFor(
  file: string,
  clusterId: string,
  depsKey: string,
): Promise<string | undefined> {
  const bases = await readJsonObject(file);
  return bases[`${clusterId} ${depsKey}`];
}

/** Records `image` as the base for its cluster and dependency key. */
export async function rememberBaseImage(
  file: string,
  clusterId: string,
  depsKey: string,
  image: string,
): Promise<void> {
  const bases = await readJsonObject(file);
  bases[`${clusterId} ${depsKey}`] = image;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify(Object.fromEntries(Object.entries(bases).slice(-50)), null, 2)}\n`,
  ).catch(() => undefined);
}

/** Forgets the base of a cluster and dependency key (its image is no longer on the node). */
export async function forgetBaseImage(file: string, clusterId: string, depsKey: string): Promise<void> {
  const bases = await readJsonObject(file);
  delete bases[`${clusterId} ${depsKey}`];
  await writeFile(file, `${JSON.stringify(bases, null, 2)}\n`).catch(() => undefined);
}

async function readJsonObject(file: string): Promise<Record<string, string>> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, string>) : {};
  } catch {
    return {};
  }
}

async function readMemo(file: string): Promise<string[]> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    return Array.isArray(data) ? data.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

/** True when every node's kubelet lists `image` among its images (kubelets report them with their status). */
async function imageOnEveryNode(client: KubeClient, image: string): Promise<boolean> {
  const wanted = normalizeImageName(image);
  const nodes = await client.core.listNode().catch(() => undefined);
  if (!nodes || nodes.items.length === 0) return false;
  return nodes.items.every((node) =>
    (node.status?.images ?? []).some((entry) =>
      (entry.names ?? []).some((name) => normalizeImageName(name) === wanted),
    ),
  );
}

/** `name:tag` → `docker.io/library/name:tag`, as containerd names images. */
export function normalizeImageName(image: string): string {
  const first = image.split('/')[0] ?? '';
  const hasRegistry =
    image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return image;
  return image.includes('/') ? `docker.io/${image}` : `docker.io/library/${image}`;
}

async function imageId(
  reference: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const result = await runCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', reference], {
    env,
    signal,
    allowFailure: true,
    timeoutMs: 30_000,
  }).catch((error: unknown) => {
    throw new InfrastructureError('DockerUnavailable', 'the Docker engine does not answer', {
      cause: error,
      hint: 'start Docker (the local provider starts its own engine on `incluster up`)',
    });
  });
  if (result.exitCode === 0) return result.stdout.trim();
  if (/Cannot connect to the Docker daemon|Is the docker daemon running/i.test(result.stderr))
    throw new InfrastructureError('DockerUnavailable', 'the Docker engine does not answer', {
      hint: result.stderr.trim(),
    });
  return undefined;
}
