// The `local` provider: a real single-node Kubernetes from host binaries, the way
// hack/local-up-cluster.sh runs one. `up` installs what is missing, builds the binaries once, writes
// the PKI and configs, starts every component under one supervisor, loads the images the node needs
// and deploys CoreDNS. `down` removes exactly what `up` made.
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import { applyManifests } from '../../../kube/apply.ts';
import { createKubeClient } from '../../../kube/client.ts';
import { parseManifests } from '../../../kube/manifests.ts';
import type {
  BaseImageBuilder,
  ClusterAccess,
  ClusterProvider,
  ImageLoader,
  ProviderContext,
} from '../../provider.ts';
import { cacheRoot } from '../../cache.ts';
import { exportFailureLogs } from '../../failure-logs.ts';
import { ensureKubernetesBinaries, kubernetesBinDir } from '../../host/kubernetes.ts';
import { buildableImages, CLUSTER_IMAGES, RUNNER_BASE_IMAGES } from '../../images/catalogue.ts';
import { IMAGE_DEBIAN_PACKAGES } from '../../images/debian-packages.ts';
import { COREDNS_IMAGE } from '../../images/names.ts';
import { stopDockerEngine } from './build-engine.ts';
import { ensureClusterImages } from './cluster-images.ts';
import { prepareComponents } from './components.ts';
import { importImagesIntoContainerd, pruneContainerdImages } from './containerd-images.ts';
import { coreDnsManifests } from './coredns.ts';
import { apiServerReady, waitForApiServer } from './health.ts';
import { localLayout, type LocalLayout } from './layout.ts';
import { guardInstalled, setUpHostNetwork, tearDownHostNetwork } from './network.ts';
import { installPackages, missingPackages, REQUIRED_PACKAGES } from './packages.ts';
import { ensurePki } from './pki.ts';
import { ensureCgroupRoot } from './cgroups.ts';
import { restoreContainerdRoot, stashContainerdRoot } from './containerd-stash.ts';
import { readSupervisorStatus, startSupervisor, stopSupervisor, supervisorPid } from './supervisor.ts';
import { tearDownRuntime } from './teardown.ts';

/** How long the control plane may take to answer after its processes start. */
const API_SERVER_TIMEOUT_MS = 120_000;

/** What exportFailureLogs needs of this provider, for its own failure paths. */
const logSource = { name: 'local', exportLogs } as const;

/** Creates the local provider. */
export function createLocalProvider(): ClusterProvider & ImageLoader & BaseImageBuilder {
  return {
    name: 'local',
    up,
    down,
    access,
    exportLogs,
    loadImages,
    ensureBaseImages,
  };
}

function layoutOf(ctx: ProviderContext): LocalLayout {
  return localLayout(ctx.config.cluster.name, ctx.config.cluster.local.stateDir);
}

function accessOf(layout: LocalLayout): ClusterAccess {
  return {
    provider: 'local',
    clusterName: layout.clusterName,
    kubeconfigPath: layout.adminKubeconfig,
    context: `incluster-${layout.clusterName}`,
  };
}

async function access(ctx: ProviderContext): Promise<ClusterAccess | undefined> {
  const layout = layoutOf(ctx);
  if ((await supervisorPid(layout)) === undefined) return undefined;
  return (await apiServerReady(layout)) ? accessOf(layout) : undefined;
}

async function up(ctx: ProviderContext): Promise<ClusterAccess> {
  requireRoot();
  const layout = layoutOf(ctx);
  const { status, signal } = ctx;
  await refuseOtherLocalCluster(layout);

  // A healthy cluster is reused: the second `up` returns in seconds (images and CoreDNS are only
  // re-checked, which is cheap when nothing changed).
  const healthy =
    (await supervisorPid(layout)) !== undefined && (await apiServerReady(layout)) && (await guardInstalled());
  if (!healthy && (await supervisorPid(layout)) !== undefined) {
    status.info(`local cluster ${layout.clusterName} is running but not healthy; restarting it`);
    await stopSupervisor(layout);
  }
  if (healthy) status.info(`local cluster ${layout.clusterName} is already running; reusing it`);

  let phase = 'installing packages';
  try {
    const restored = !healthy && (await startCluster(ctx, layout, (name) => (phase = name))).restored;

    phase = 'loading images';
    await ensureClusterImages({
      cacheRoot: cacheRoot(ctx.env),
      stateDir: layout.stateDir,
      containerdSocket: layout.containerdSocket,
      status,
      signal,
      env: ctx.env,
    });
    if (restored) {
      // The last cluster's runner images go (its runs' memos named another cluster): the root
      // keeps only what every cluster needs, so it does not grow from one cluster to the next.
      const pruned = await pruneContainerdImages([...CLUSTER_IMAGES, ...RUNNER_BASE_IMAGES], {
        containerdSocket: layout.containerdSocket,
        signal,
      });
      if (pruned.length) status.info(`  removed ${pruned.length} image names the last cluster had loaded`);
    }

    phase = 'deploying CoreDNS';
    await status.phase('Deploying CoreDNS', async () => {
      const client = createKubeClient({ kubeconfig: layout.adminKubeconfig });
      await applyManifests(client, parseManifests(coreDnsManifests(COREDNS_IMAGE), 'CoreDNS manifests'), {
        signal,
      });
    });
    return accessOf(layout);
  } catch (error) {
    if (signal.aborted) {
      // Interrupted: logs first, then remove what this call started, so nothing is left running.
      await exportFailureLogs(logSource, ctx);
      if (!healthy) {
        status.info(`interrupted while ${phase}: removing the half-made local cluster`);
        await down(ctx).catch((cleanup: unknown) =>
          status.info(`cleanup failed: ${(cleanup as Error).message}`),
        );
      }
      throw error;
    }
    if (
      error instanceof InfrastructureError &&
      error.reason !== 'LocalClusterFailed' &&
      phase !== 'starting the control plane'
    ) {
      await exportFailureLogs(logSource, ctx);
      throw error;
    }
    throw await describeFailure(ctx, layout, phase, error);
  }
}

/**
 * Installs, builds and starts everything a new (or unhealthy) cluster needs, naming each phase;
 * says whether containerd's root of the last cluster was restored from the cache.
 */
async function startCluster(
  ctx: ProviderContext,
  layout: LocalLayout,
  enter: (phase: string) => void,
): Promise<{ restored: boolean }> {
  const { status, signal } = ctx;
  enter('installing packages');
  await installPackages(
    await missingPackages([...REQUIRED_PACKAGES, ...IMAGE_DEBIAN_PACKAGES], ctx.env),
    status,
    signal,
  );

  enter('building Kubernetes');
  const binDir = await ensureKubernetesBinaries({
    cacheRoot: cacheRoot(ctx.env),
    status,
    signal,
    env: ctx.env,
  });

  enter('preparing the node');
  const restored = await restoreContainerdRoot(layout, cacheRoot(ctx.env));
  if (restored)
    status.info('  containerd root of the last cluster restored from the cache: its images need no import');
  const components = await status.phase('Generating PKI, kubeconfigs and component configs', async () => {
    await ensurePki(layout, signal);
    return prepareComponents(layout, binDir);
  });
  await status.phase('Setting up host networking and cgroups', async () => {
    await setUpHostNetwork();
    await ensureCgroupRoot();
  });

  enter('starting the control plane');
  await status.phase('Starting etcd, control plane, containerd, kubelet and kube-proxy', async () => {
    await startSupervisor(layout, components);
    const notReady = await waitForApiServer(layout, API_SERVER_TIMEOUT_MS, signal);
    if (notReady) throw new Error(notReady);
  });
  return { restored };
}

/** Names the failed phase and the component that is crashing, with the tail of its log (FR-006). */
async function describeFailure(
  ctx: ProviderContext,
  layout: LocalLayout,
  phase: string,
  error: unknown,
): Promise<InfrastructureError> {
  const logs = await exportFailureLogs(logSource, ctx);
  const status = await readSupervisorStatus(layout);
  const failing = status?.components.find((c) => c.pid === null || c.restarts > 0);
  let hint = logs.ok
    ? `component logs: ${logs.dir}`
    : `component logs: ${layout.logDir} (copying them to ${logs.dir} failed: ${logs.error})`;
  if (failing) {
    const log = await readFile(join(layout.logDir, `${failing.name}.log`), 'utf8').catch(() => '');
    const tail = log.trimEnd().split('\n').slice(-15).join('\n');
    hint = `${failing.name} is failing (restarted ${failing.restarts} times); the end of its log:\n${tail}\n${hint}`;
  }
  const component = failing ? ` (${failing.name})` : '';
  return new InfrastructureError(
    'LocalClusterFailed',
    `local cluster: ${phase} failed${component}: ${(error as Error).message}`,
    { cause: error, hint },
  );
}

async function down(ctx: ProviderContext): Promise<void> {
  requireRoot();
  const layout = layoutOf(ctx);
  const { status } = ctx;
  await status.phase(`Removing local cluster ${layout.clusterName}`, async () => {
    const stopped = await stopSupervisor(layout);
    status.update(stopped ? 'components stopped' : 'no supervisor was running');
    const runtime = await tearDownRuntime(layout);
    status.update(`killed ${runtime.killed} container processes, unmounted ${runtime.unmounted} mounts`);
    const kubeProxy = join(kubernetesBinDir(cacheRoot(ctx.env)), 'kube-proxy');
    const network = await tearDownHostNetwork(kubeProxy);
    await stopDockerEngine({ stateDir: layout.stateDir });
    // Only a root with nothing left mounted in it is kept (the images, for the next up).
    if (runtime.problems.length === 0 && (await stashContainerdRoot(layout, cacheRoot(ctx.env))))
      status.update('containerd root kept in the cache for the next up');
    await rm(layout.stateDir, { recursive: true, force: true });
    await rm(layout.runDir, { recursive: true, force: true });
    const problems = [...runtime.problems, ...network];
    if (problems.length)
      throw new InfrastructureError(
        'LocalCleanupIncomplete',
        `down left things behind:\n${problems.join('\n')}`,
      );
  });
}

async function exportLogs(ctx: ProviderContext, dir: string): Promise<void> {
  const layout = layoutOf(ctx);
  await mkdir(dir, { recursive: true });
  let names: string[];
  try {
    names = await readdir(layout.logDir);
  } catch {
    return;
  }
  await Promise.all(
    names.map((name) => cp(join(layout.logDir, name), join(dir, name)).catch(() => undefined)),
  );
}

/** Builds (or loads from the cache) the runner bases this machine has recipes for, e.g. Python and uv. */
async function ensureBaseImages(ctx: ProviderContext, images: readonly string[]): Promise<string[]> {
  const buildable = buildableImages(images);
  if (buildable.length === 0) return [];
  const layout = layoutOf(ctx);
  await ensureClusterImages({
    cacheRoot: cacheRoot(ctx.env),
    stateDir: layout.stateDir,
    containerdSocket: layout.containerdSocket,
    status: ctx.status,
    signal: ctx.signal,
    env: ctx.env,
    images: buildable,
  });
  return buildable;
}

async function loadImages(ctx: ProviderContext, images: string[]): Promise<void> {
  const layout = layoutOf(ctx);
  await importImagesIntoContainerd(images, {
    containerdSocket: layout.containerdSocket,
    status: ctx.status,
    signal: ctx.signal,
  });
}

function requireRoot(): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new InfrastructureError(
      'NotRoot',
      'the local provider runs Kubernetes on this machine and needs root on Linux',
      {
        hint: 'run as root (sudo incluster up --provider local), or use --provider kind or existing',
      },
    );
  }
}

/** One local cluster per machine: its addresses and bridge are fixed. */
async function refuseOtherLocalCluster(layout: LocalLayout): Promise<void> {
  let names: string[];
  try {
    names = await readdir('/run/incluster');
  } catch {
    return;
  }
  for (const name of names) {
    if (name === layout.clusterName) continue;
    if ((await supervisorPid(localLayout(name))) !== undefined) {
      throw new InfrastructureError(
        'LocalClusterBusy',
        `another local cluster (${name}) is running on this machine`,
        {
          hint: `remove it first: incluster down --provider local (with cluster.name: ${name})`,
        },
      );
    }
  }
}
