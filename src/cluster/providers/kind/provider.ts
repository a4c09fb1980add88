// The kind provider: a cluster of Docker containers made by the `kind` CLI from the repository's
// pinned kind config. It creates the named cluster or reuses it when it already runs, loads images
// onto every node and proves they are there, and exports kind's logs whenever a step fails (FR-006;
// where they go is failure-logs.ts's rule). Where the published node image cannot be pulled (or
// cluster.kind.offline is `always`), the cluster runs offline: see offline.ts.
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError, UsageError } from '../../../errors.ts';
import { createKubeClient } from '../../../kube/client.ts';
import type {
  BaseImageBuilder,
  BuildEngine,
  ClusterAccess,
  ClusterProvider,
  ImageLoader,
  ProviderContext,
  ServiceImageSource,
} from '../../provider.ts';
import * as kind from './cli.ts';
import { nodeHasImage } from '../../image-reference.ts';
import { exportFailureLogs } from '../../failure-logs.ts';
import { requireKindTools } from './prerequisites.ts';
import { delay } from '../../../delay.ts';
import { CommandError } from '../../../process/exec.ts';
import {
  copyImagesToKindEngine,
  guardKindNetwork,
  offlineEnv,
  offlineMarkerPath,
  prepareOfflineKind,
  tearDownOfflineKind,
} from './offline.ts';
import { kindEngine, kindEnginePaths, kindEnginePid } from './host/engine.ts';
import { buildableImages, selectRecipes } from '../local/images/cluster-images.ts';
import { ensureRecipes } from './node-image/recipes.ts';
import { cacheRoot } from '../../cache.ts';

/** What the kind provider depends on beyond the kind and docker executables; tests replace it. */
export interface KindProviderOptions {
  /** Resolves when the API server behind `kubeconfigPath` answers; default: a /version request. */
  checkApi?: (kubeconfigPath: string, signal: AbortSignal) => Promise<void>;
  /** How long `kind create cluster --wait` waits for the control plane; default 180s. */
  wait?: string;
}

/** Where the provider writes the cluster's kubeconfig: inside the project, in the ignored .incluster/. */
export function kindKubeconfigPath(root: string, clusterName: string): string {
  return join(root, '.incluster', `kind-${clusterName}.kubeconfig`);
}

/** Builds the kind provider. */
export function createKindProvider(
  options: KindProviderOptions = {},
): ClusterProvider & ImageLoader & BuildEngine & BaseImageBuilder & ServiceImageSource {
  const checkApi = options.checkApi ?? pingApi;
  const wait = options.wait ?? '180s';

  /** True when this project's cluster of that name was created offline (on incluster's own engine). */
  const isOffline = (ctx: ProviderContext): boolean =>
    offlineMode(ctx) === 'always' || existsSync(offlineMarkerPath(ctx.config.cluster.name));

  /** The environment kind and docker run with: incluster's engine and kind for an offline cluster. */
  const envOf = (ctx: ProviderContext): NodeJS.ProcessEnv => (isOffline(ctx) ? offlineEnv(ctx.env) : ctx.env);

  /** Whether incluster's kind engine runs (an offline cluster cannot run without it). */
  const offlineEngineRuns = async (ctx: ProviderContext): Promise<boolean> =>
    (await kindEnginePid(kindEnginePaths(cacheRoot(ctx.env)))) !== undefined;

  const cliOptions = (ctx: ProviderContext): kind.CliOptions => ({
    env: envOf(ctx),
    signal: ctx.signal,
    onLine: (line) => {
      const text = line.trim();
      if (text) ctx.status.update(text);
    },
  });

  /** Runs one step; on failure exports the logs and names the phase in the error. */
  async function step<T>(ctx: ProviderContext, phase: string, work: () => Promise<T>): Promise<T> {
    try {
      return await ctx.status.phase(`kind: ${phase}`, work);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw await failure(ctx, phase, error);
    }
  }

  /** Exports kind's logs into the artifacts directory and returns the error naming the phase. */
  async function failure(ctx: ProviderContext, phase: string, cause: unknown): Promise<InfrastructureError> {
    const logs = await exportFailureLogs({ name: 'kind', exportLogs }, ctx);
    return new InfrastructureError(
      reasonOf(phase),
      `kind cluster \`${ctx.config.cluster.name}\`: ${phase} failed`,
      {
        cause,
        hint: logs.ok
          ? `kind's logs are in ${logs.dir}`
          : `exporting kind's logs to ${logs.dir} also failed: ${logs.error}`,
      },
    );
  }

  async function exportLogs(ctx: ProviderContext, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await kind.exportLogs(ctx.config.cluster.name, dir, cliOptions(ctx));
  }

  async function writeKubeconfig(ctx: ProviderContext): Promise<ClusterAccess> {
    const name = ctx.config.cluster.name;
    const text = await kind.getKubeconfig(name, cliOptions(ctx));
    const path = kindKubeconfigPath(ctx.root, name);
    await mkdir(join(ctx.root, '.incluster'), { recursive: true });
    // Admin credentials: readable by the owner only.
    await writeFile(path, text, { mode: 0o600 });
    await chmod(path, 0o600);
    return { provider: 'kind', clusterName: name, kubeconfigPath: path, context: `kind-${name}` };
  }

  /**
   * Builds into incluster's kind engine the images of `images` this machine has recipes for (the
   * local provider's: Node.js, Python, uv, PostgreSQL, Redis), or loads them from the cache's
   * archives; an offline cluster can pull none. Online, the engine pulls them: nothing to do.
   */
  async function buildOffline(
    ctx: ProviderContext,
    images: readonly string[],
    what: string,
  ): Promise<string[]> {
    if (!isOffline(ctx)) return [];
    const buildable = buildableImages(images);
    if (buildable.length === 0) return [];
    const cache = cacheRoot(ctx.env);
    await step(ctx, what, () =>
      ensureRecipes(selectRecipes(buildable), {
        engine: kindEngine(cache, ctx.env),
        cacheRoot: cache,
        status: ctx.status,
        env: ctx.env,
        signal: ctx.signal,
      }),
    );
    return buildable;
  }

  /** Loads images onto every node with `kind load` and verifies each on each node (FR-004). */
  async function loadImages(ctx: ProviderContext, images: string[]): Promise<void> {
    if (images.length === 0) return;
    if (!isOffline(ctx)) await requireKindTools(ctx.env, ctx.signal);
    const name = ctx.config.cluster.name;
    if (isOffline(ctx))
      await step(ctx, 'copy images to incluster’s kind engine', () =>
        copyImagesToKindEngine(images, { env: ctx.env, signal: ctx.signal }),
      );
    await step(ctx, `load ${images.length} image(s)`, () =>
      kind.loadDockerImages(name, images, cliOptions(ctx)),
    );
    await step(ctx, 'verify images on every node', async () => {
      const nodes = await kind.listNodes(name, cliOptions(ctx));
      if (nodes.length === 0) throw new Error(`kind lists no nodes for cluster \`${name}\``);
      const missing: string[] = [];
      for (const node of nodes) {
        const held = await kind.nodeImages(node, cliOptions(ctx));
        for (const image of images) if (!nodeHasImage(held, image)) missing.push(`${image} on ${node}`);
      }
      if (missing.length > 0)
        throw new InfrastructureError(
          'ImageMissing',
          `images not present after loading: ${missing.join(', ')}`,
        );
    });
  }

  async function isRunning(ctx: ProviderContext): Promise<boolean> {
    return (await kind.listClusters(cliOptions(ctx))).includes(ctx.config.cluster.name);
  }

  return {
    name: 'kind',

    async up(ctx) {
      const name = ctx.config.cluster.name;
      const configFile = ctx.config.cluster.kind.config;
      const mode = offlineMode(ctx);
      // A running offline cluster of this name needs no config (`up` from another project naming it).
      const known = existsSync(offlineMarkerPath(name));
      if (!existsSync(configFile) && mode === 'always' && !known)
        throw new UsageError(`cluster.kind.config: ${configFile} does not exist`, {
          hint: '`incluster init` writes the default kind config to testing/k8s/kind-config.yaml',
        });
      let nodeImage = ctx.config.cluster.kind.nodeImage;
      const goOffline = async () => {
        const offline = await prepareOfflineKind({
          clusterName: name,
          kindConfig: configFile,
          status: ctx.status,
          env: ctx.env,
          signal: ctx.signal,
        });
        nodeImage = offline.nodeImage;
      };
      if (isOffline(ctx)) await goOffline();
      else await requireKindTools(ctx.env, ctx.signal);
      const running = await ctx.status.phase(`kind: look for cluster ${name}`, () => isRunning(ctx));
      if (running) {
        ctx.status.info(`reusing the running kind cluster \`${name}\``);
      } else {
        if (!existsSync(configFile))
          throw new UsageError(`cluster.kind.config: ${configFile} does not exist`, {
            hint: '`incluster init` writes the default kind config to testing/k8s/kind-config.yaml',
          });
        const create = () =>
          ctx.status.phase('kind: create cluster', () =>
            kind.createCluster({ name, configFile, nodeImage, wait }, cliOptions(ctx)),
          );
        try {
          try {
            await create();
          } catch (error) {
            if (mode !== 'auto' || isOffline(ctx) || !isPullFailure(error)) throw error;
            // Nothing was created: kind ensures the node image before anything else.
            ctx.status.info(`the node image ${nodeImage} cannot be pulled; using the offline node image`);
            await goOffline();
            await create();
          }
        } catch (error) {
          // --retain kept the half-made cluster so its logs could be exported; now it goes.
          const failed = await failure(ctx, 'create cluster', error);
          await kind.deleteCluster(name, { env: envOf(ctx) }).catch(() => undefined);
          throw failed;
        }
      }
      if (isOffline(ctx))
        await step(ctx, 'guard the kind network', () =>
          guardKindNetwork({ clusterName: name, env: ctx.env }),
        );
      const access = await step(ctx, 'write kubeconfig', () => writeKubeconfig(ctx));
      await step(ctx, 'wait for the API server', () => checkApi(access.kubeconfigPath, ctx.signal));
      return access;
    },

    async down(ctx) {
      const name = ctx.config.cluster.name;
      const offline = isOffline(ctx);
      if (!offline) await requireKindTools(ctx.env, ctx.signal);
      if ((!offline || (await offlineEngineRuns(ctx))) && (await isRunning(ctx))) {
        // Only the cluster of this config's name: other kind clusters on the machine are not ours.
        await ctx.status.phase(`kind: delete cluster ${name}`, () =>
          kind.deleteCluster(name, cliOptions(ctx)),
        );
      } else {
        ctx.status.info(`kind cluster \`${name}\` is not running; nothing to delete`);
      }
      if (offline) {
        const problems = await ctx.status.phase(
          'kind: stop incluster’s Docker engine, remove the network guard',
          () => tearDownOfflineKind({ clusterName: name, env: ctx.env }),
        );
        for (const problem of problems) ctx.status.info(`kind teardown: ${problem}`);
      }
      await rm(kindKubeconfigPath(ctx.root, name), { force: true });
    },

    async access(ctx) {
      if (isOffline(ctx)) {
        if (!(await offlineEngineRuns(ctx))) return undefined;
      } else await requireKindTools(ctx.env, ctx.signal);
      if (!(await isRunning(ctx))) return undefined;
      return writeKubeconfig(ctx);
    },

    exportLogs,

    buildEnv: envOf,

    ensureBaseImages: (ctx, images) => buildOffline(ctx, images, 'build the runner’s base images'),

    async provideServiceImages(ctx, images) {
      const built = await buildOffline(ctx, images, 'build the services’ images');
      if (built.length > 0) await loadImages(ctx, built);
      return built;
    },

    loadImages,
  };
}

/**
 * cluster.kind.offline, unless $INCLUSTER_KIND_OFFLINE overrides it (CI, or the provider's own
 * tests run against the real kind on a machine that cannot pull).
 */
function offlineMode(ctx: ProviderContext): 'auto' | 'always' | 'never' {
  const fromEnv = ctx.env.INCLUSTER_KIND_OFFLINE;
  if (fromEnv === undefined || fromEnv === '') return ctx.config.cluster.kind.offline;
  if (fromEnv === 'auto' || fromEnv === 'always' || fromEnv === 'never') return fromEnv;
  throw new UsageError(`INCLUSTER_KIND_OFFLINE must be auto, always or never, got \`${fromEnv}\``);
}

/** True when kind failed because it could not pull the node image (so nothing was created). */
function isPullFailure(error: unknown): boolean {
  return error instanceof CommandError && /failed to pull image/i.test(`${error.stderr}\n${error.stdout}`);
}

/** The machine-readable reason for a failed phase. */
function reasonOf(phase: string): string {
  if (phase.startsWith('create')) return 'ClusterCreateFailed';
  if (phase.startsWith('load') || phase.startsWith('verify')) return 'ImageLoadFailed';
  if (phase.startsWith('wait')) return 'ClusterUnreachable';
  return 'KindFailed';
}

async function pingApi(kubeconfigPath: string, signal: AbortSignal): Promise<void> {
  const client = createKubeClient({ kubeconfig: kubeconfigPath });
  // kind's --wait already waited for the control plane; a reused cluster may still be starting.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await client.ping(AbortSignal.any([signal, AbortSignal.timeout(10_000)]));
      return;
    } catch (error) {
      if (Date.now() > deadline || signal.aborted) throw error;
      await delay(1000);
    }
  }
}
