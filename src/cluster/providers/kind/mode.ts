// Which kind runtime a command gets, decided once, before anything is created: online or offline
// (runtime.ts, offline.ts), from cluster.kind.offline, the machine-wide marker of a cluster created
// offline, and, for `up` in `auto`, whether the configured node image can be had at all.
import { existsSync } from 'node:fs';
import { UsageError } from '../../../errors.ts';
import { dockerEngineFor } from '../../host/dockerd.ts';
import { docker } from '../../images/docker-cli.ts';
import type { ProviderContext } from '../../provider.ts';
import * as kind from './cli.ts';
import { offlineMarkerPath, offlineRuntime } from './offline.ts';
import { onlineRuntime, type KindRuntime } from './runtime.ts';

/**
 * The runtime of a command that uses the cluster as it is (down, access, images): offline when
 * cluster.kind.offline (or $INCLUSTER_KIND_OFFLINE) is `always` or the named cluster was created
 * offline (its marker, machine-wide), else online.
 */
export function runtimeInUse(ctx: ProviderContext): KindRuntime {
  const offline = offlineMode(ctx) === 'always' || existsSync(offlineMarkerPath(ctx.config.cluster.name));
  return offline ? offlineRuntime(ctx) : onlineRuntime(ctx);
}

/**
 * The runtime of `up`: as for any command, except that in `auto` a cluster not created offline goes
 * offline when the configured node image is neither in the user's engine nor pullable (nor needed:
 * a cluster of that name running online is reused).
 */
export async function runtimeForUp(ctx: ProviderContext): Promise<KindRuntime> {
  const runtime = runtimeInUse(ctx);
  if (runtime.offline || offlineMode(ctx) === 'never') return runtime;
  const nodeImage = await runtime.prepare();
  if (await nodeImageObtainable(ctx, nodeImage)) return runtime;
  ctx.status.info(`the node image ${nodeImage} cannot be pulled; using the offline node image`);
  return offlineRuntime(ctx);
}

/** True when the user's engine holds `image`, or pulls it now (what `kind create` would do first). */
async function nodeImageObtainable(ctx: ProviderContext, image: string): Promise<boolean> {
  const engine = dockerEngineFor(ctx.env);
  const options = { signal: ctx.signal, allowFailure: true } as const;
  if ((await docker(engine, ['image', 'inspect', '--format', '{{.Id}}', image], options)).exitCode === 0)
    return true;
  // A cluster of that name already running online needs no image: kind reuses it.
  if ((await kind.listClusters({ env: ctx.env, signal: ctx.signal })).includes(ctx.config.cluster.name))
    return true;
  return ctx.status.phase(`kind: pull the node image ${image}`, async () => {
    const pulled = await docker(engine, ['pull', image], {
      ...options,
      onLine: (line) => ctx.status.update(line.trim()),
    });
    return pulled.exitCode === 0;
  });
}

/**
 * cluster.kind.offline, unless $INCLUSTER_KIND_OFFLINE overrides it (CI, or the provider's own
 * tests run against the real kind on a machine that cannot pull).
 */
export function offlineMode(ctx: ProviderContext): 'auto' | 'always' | 'never' {
  const fromEnv = ctx.env.INCLUSTER_KIND_OFFLINE;
  if (fromEnv === undefined || fromEnv === '') return ctx.config.cluster.kind.offline;
  if (fromEnv === 'auto' || fromEnv === 'always' || fromEnv === 'never') return fromEnv;
  throw new UsageError(`INCLUSTER_KIND_OFFLINE must be auto, always or never, got \`${fromEnv}\``);
}
