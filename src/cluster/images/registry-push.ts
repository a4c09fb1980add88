// How images reach a cluster incluster does not run: it cannot copy onto the nodes, so the image is
// tagged into the registry the cluster pulls from (cluster.existing.registry) and pushed with docker.
// The runner does this for its image when the provider cannot load images (the existing provider);
// it lives here, not in providers/existing/, because shared code never imports a provider.
import { InfrastructureError, UsageError } from '../../errors.ts';
import { CommandError, runCommand } from '../../process/exec.ts';

/** One image and the reference the cluster pulls it by. */
export interface PushedImage {
  source: string;
  target: string;
}

/** `incluster-runner:3f2a` in `registry.example:5000/ci` → `registry.example:5000/ci/incluster-runner:3f2a`. */
export function registryReference(registry: string, image: string): string {
  const withoutDigest = image.split('@')[0]!;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > lastSlash;
  const repository = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
  const tag = hasTag ? withoutDigest.slice(colon) : ':latest';
  const name = repository.slice(repository.lastIndexOf('/') + 1);
  return `${registry.replace(/\/+$/, '')}/${name}${tag}`;
}

/** Tags each image into `registry` and pushes it; returns the references the cluster should use. */
export async function pushToRegistry(
  registry: string | undefined,
  images: readonly string[],
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<PushedImage[]> {
  if (!registry)
    throw new UsageError(
      'cluster.existing.registry is not set: the existing provider needs a registry the cluster pulls from',
      { hint: 'set cluster.existing.registry in incluster.config.yaml, e.g. registry.example.com:5000/ci' },
    );
  const pushed: PushedImage[] = [];
  for (const source of images) {
    const target = registryReference(registry, source);
    await runCommand('docker', ['tag', source, target], { env: options.env, signal: options.signal });
    try {
      await runCommand('docker', ['push', target], {
        env: options.env,
        signal: options.signal,
        timeoutMs: 15 * 60_000,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw pushFailed(registry, target, error);
    }
    pushed.push({ source, target });
  }
  return pushed;
}

/** The repository part of a reference `registryReference` made (`host:5000/ci/app:tag` → `host:5000/ci/app`). */
export function repositoryOf(reference: string): string {
  return reference.slice(0, reference.lastIndexOf(':'));
}

/**
 * A failed push names the setting to look at: an unreachable or refusing registry otherwise shows
 * only as docker's last line, which says nothing of where incluster took the address from.
 */
function pushFailed(registry: string, target: string, error: unknown): InfrastructureError {
  const output = error instanceof CommandError ? (error.stderr || error.stdout).trim() : '';
  const reason = output.split('\n').at(-1) || (error instanceof Error ? error.message : String(error));
  const host = registry.split('/', 1)[0]!;
  return new InfrastructureError(
    'ImagePushFailed',
    `pushing ${target} to cluster.existing.registry (${registry}) failed: ${reason}`,
    {
      cause: error,
      hint:
        `check that a registry answers at ${host} from this machine (\`docker login ${host}\` if it needs ` +
        'credentials) and that the nodes reach it under the same name, or set cluster.existing.registry ' +
        'in incluster.config.yaml to one that does',
    },
  );
}
