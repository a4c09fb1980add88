// The kind provider: a cluster of Docker containers made by the `kind` CLI from the repository's
// pinned kind config. It creates the named cluster or reuses it when it already runs, loads images
// onto every node and proves they are there, and exports kind's logs whenever a step fails (FR-006;
// where they go is failure-logs.ts's rule). Everything that differs between a cluster on the user's
// engine and one on incluster's own (where the published node image cannot be pulled, or
// cluster.kind.offline is `always`) is the command's runtime, chosen once (mode.ts).
import { replaceFile } from '../../../atomic-file.ts';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
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
import { delay } from '../../../delay.ts';
import { runtimeForUp, runtimeInUse } from './mode.ts';
import { offlineMarkerPath } from './offline.ts';
import type { KindRuntime, KindStep } from './runtime.ts';

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
  const {
    runtimes,
    runtimeOf,
    cliOptions,
    stepOf,
    exportLogs,
    writeKubeconfig,
    create,
    buildImages,
    loadImages,
    isRunning,
  } = createKindSteps(options.wait ?? '180s');

  return {
    name: 'kind',

    async up(ctx) {
      const name = ctx.config.cluster.name;
      const configFile = ctx.config.cluster.kind.config;
      const runtime = await runtimeForUp(ctx);
      runtimes.set(ctx, runtime);
      // Offline, fail before building anything; a running offline cluster of this name needs no
      // config (`up` from another project naming it).
      if (runtime.offline && !existsSync(configFile) && !existsSync(offlineMarkerPath(name)))
        throw missingConfig(configFile);
      const nodeImage = await runtime.prepare();
      if (await ctx.status.phase(`kind: look for cluster ${name}`, () => isRunning(ctx)))
        ctx.status.info(`reusing the running kind cluster \`${name}\``);
      else await create(ctx, nodeImage);
      await runtime.guard(stepOf(ctx));
      const access = await stepOf(ctx)('write kubeconfig', () => writeKubeconfig(ctx));
      await stepOf(ctx)('wait for the API server', () => checkApi(access.kubeconfigPath, ctx.signal));
      return access;
    },

    async down(ctx) {
      const name = ctx.config.cluster.name;
      const runtime = runtimeOf(ctx);
      if ((await runtime.available()) && (await isRunning(ctx))) {
        // Only the cluster of this config's name: other kind clusters on the machine are not ours.
        await ctx.status.phase(`kind: delete cluster ${name}`, () =>
          kind.deleteCluster(name, cliOptions(ctx)),
        );
      } else {
        ctx.status.info(`kind cluster \`${name}\` is not running; nothing to delete`);
      }
      await runtime.teardown();
      await rm(kindKubeconfigPath(ctx.root, name), { force: true });
    },

    async access(ctx) {
      if (!(await runtimeOf(ctx).available()) || !(await isRunning(ctx))) return undefined;
      return writeKubeconfig(ctx);
    },

    exportLogs,

    buildEnv: (ctx) => runtimeOf(ctx).env,

    ensureBaseImages: (ctx, images) => buildImages(ctx, images, 'build the runner’s base images'),

    async provideServiceImages(ctx, images) {
      const built = await buildImages(ctx, images, 'build the services’ images');
      if (built.length > 0) await loadImages(ctx, built);
      return built;
    },

    loadImages,
  };
}

/** The steps the kind provider's commands are made of; `wait` is `kind create --wait`'s bound. */
function createKindSteps(wait: string) {
  // The runtime each command decided on (`up` decides before creating anything; the others from
  // the config and the offline marker), shared by every step of that command.
  const runtimes = new WeakMap<ProviderContext, KindRuntime>();
  const runtimeOf = (ctx: ProviderContext): KindRuntime => {
    let runtime = runtimes.get(ctx);
    if (!runtime) runtimes.set(ctx, (runtime = runtimeInUse(ctx)));
    return runtime;
  };

  const cliOptions = (ctx: ProviderContext): kind.CliOptions => ({
    env: runtimeOf(ctx).env,
    signal: ctx.signal,
    onLine: (line) => {
      const text = line.trim();
      if (text) ctx.status.update(text);
    },
  });

  /** Runs one step; on failure exports the logs and names the phase in the error. */
  const stepOf =
    (ctx: ProviderContext): KindStep =>
    async (phase, work) => {
      try {
        return await ctx.status.phase(`kind: ${phase}`, work);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw await failure(ctx, phase, error);
      }
    };

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
    // Admin credentials: readable by the owner only. Replaced through a rename: concurrent runs
    // each write it and read it back (a plain rewrite let one read it empty).
    await replaceFile(path, text, { mode: 0o600 });
    return { provider: 'kind', clusterName: name, kubeconfigPath: path, context: `kind-${name}` };
  }

  /** Creates the cluster from the config; a failed create exports the logs, then deletes what it made. */
  async function create(ctx: ProviderContext, nodeImage: string): Promise<void> {
    const name = ctx.config.cluster.name;
    const configFile = ctx.config.cluster.kind.config;
    if (!existsSync(configFile)) throw missingConfig(configFile);
    try {
      await ctx.status.phase('kind: create cluster', () =>
        kind.createCluster({ name, configFile, nodeImage, wait }, cliOptions(ctx)),
      );
    } catch (error) {
      // --retain kept the half-made cluster so its logs could be exported; now it goes.
      const failed = await failure(ctx, 'create cluster', error);
      await kind.deleteCluster(name, { env: runtimeOf(ctx).env }).catch(() => undefined);
      throw failed;
    }
  }

  /** The images of `images` the runtime must build itself (its nodes cannot pull them); returns them. */
  async function buildImages(
    ctx: ProviderContext,
    images: readonly string[],
    what: string,
  ): Promise<string[]> {
    const runtime = runtimeOf(ctx);
    const wanted = runtime.imagesToBuild(images);
    if (wanted.length > 0) await stepOf(ctx)(what, () => runtime.buildImages(wanted));
    return wanted;
  }

  /** Loads images onto every node with `kind load` and verifies each on each node (FR-004). */
  async function loadImages(ctx: ProviderContext, images: string[]): Promise<void> {
    if (images.length === 0) return;
    const name = ctx.config.cluster.name;
    const step = stepOf(ctx);
    await runtimeOf(ctx).stageImages(images, step);
    await step(`load ${images.length} image(s)`, () => kind.loadDockerImages(name, images, cliOptions(ctx)));
    await step('verify images on every node', async () => {
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
    runtimes,
    runtimeOf,
    cliOptions,
    stepOf,
    exportLogs,
    writeKubeconfig,
    create,
    buildImages,
    loadImages,
    isRunning,
  };
}

function missingConfig(configFile: string): UsageError {
  return new UsageError(`cluster.kind.config: ${configFile} does not exist`, {
    hint: '`incluster init` writes the default kind config to testing/k8s/kind-config.yaml',
  });
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
