// Offline kind: the runtime of a cluster whose nodes run on incluster's own Docker engine, for where
// the published node image cannot be pulled (or cluster.kind.offline is `always`). `prepare` sets up
// the pinned kind CLI built from the Go module proxy into the cache, the engine (with the runtime
// wrapper where the machine lacks a capability), the offline node image (images/kind-node/), the
// network guard for the cluster's ranges, and /lib/modules when the host has none (kind bind-mounts
// it into every node, and Docker would otherwise create it on the host and leave it there);
// `teardown` undoes all of it but the cache.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../../errors.ts';
import { MANAGED_BY_LABEL, managedByLabels } from '../../../ownership.ts';
import type { Status } from '../../../progress/status.ts';
import { cacheRoot as defaultCacheRoot } from '../../cache.ts';
import { dockerCliEnv, DEFAULT_DOCKER_HOST } from '../../host/dockerd.ts';
import { ensureGoProgram, goProgramDir } from '../../host/go-build.ts';
import { KIND_PROGRAM } from '../../host/kind.ts';
import { ImageBuilder } from '../../images/builder.ts';
import { buildableImages, selectRecipes } from '../../images/catalogue.ts';
import { docker } from '../../images/docker-cli.ts';
import { ensureOfflineNodeImage } from '../../images/kind-node/build.ts';
import type { ProviderContext } from '../../provider.ts';
import {
  KIND_ENGINE,
  kindEngine,
  kindEnginePaths,
  kindEnginePid,
  startKindEngine,
  stopKindEngine,
} from './host/engine.ts';
import { installNetworkGuard, removeNetworkGuard } from './host/network-guard.ts';
import type { KindRuntime } from './runtime.ts';

/** The docker network kind creates for its nodes. */
const KIND_NETWORK = 'kind';

/** kind's defaults when the config names no subnets. */
const DEFAULT_POD_SUBNET = '10.244.0.0/16';
const DEFAULT_SERVICE_SUBNET = '10.96.0.0/16';

/** Marks, in the kind engine's state, that we created /lib/modules (so down removes it again). */
const CREATED_LIB_MODULES = join(KIND_ENGINE.stateDir, 'created-lib-modules');

/** Where the pinned kind CLI is cached. */
export function kindBinDir(cacheRoot: string): string {
  return goProgramDir(cacheRoot, KIND_PROGRAM);
}

/**
 * The marker `up` leaves for an offline cluster, so every later command (from any project that
 * names the cluster: `up` at the repository's root, `run` in an example's folder) knows which engine
 * it is on. It lives with the engine's state, one per machine like the engine: `down` removes it.
 */
export function offlineMarkerPath(clusterName: string): string {
  return join(KIND_ENGINE.stateDir, 'clusters', `${clusterName}.json`);
}

/** The environment kind and docker run with for an offline cluster: our engine, the cached kind first. */
export function offlineEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const cache = defaultCacheRoot(env);
  return {
    ...kindEngine(cache, env).env,
    PATH: [kindBinDir(cache), env.PATH ?? ''].filter(Boolean).join(delimiter),
  };
}

/** The offline runtime of the cluster `ctx` names. */
export function offlineRuntime(ctx: ProviderContext): KindRuntime {
  const cacheRoot = defaultCacheRoot(ctx.env);
  const name = ctx.config.cluster.name;
  const engineRuns = async () => (await kindEnginePid(kindEnginePaths(cacheRoot))) !== undefined;
  return {
    offline: true,
    env: offlineEnv(ctx.env),
    prepare: () =>
      prepareOfflineKind({
        clusterName: name,
        kindConfig: ctx.config.cluster.kind.config,
        status: ctx.status,
        env: ctx.env,
        signal: ctx.signal,
      }),
    guard: (step) =>
      step('guard the kind network', () => guardKindNetwork({ clusterName: name, env: ctx.env })),
    available: engineRuns,
    // The local provider's recipes (Node.js, Python, uv, PostgreSQL, Redis): an offline node pulls nothing.
    imagesToBuild: buildableImages,
    buildImages: async (images) => {
      const engine = kindEngine(cacheRoot, ctx.env);
      const builder = new ImageBuilder({
        engine,
        cacheRoot,
        env: ctx.env,
        status: ctx.status,
        signal: ctx.signal,
      });
      await builder.ensureAll(selectRecipes(images));
    },
    stageImages: async (images, step) => {
      await step('copy images to incluster’s kind engine', () =>
        copyImagesToKindEngine(images, { env: ctx.env, signal: ctx.signal }),
      );
    },
    teardown: async () => {
      const problems = await ctx.status.phase(
        'kind: stop incluster’s Docker engine, remove the network guard',
        () => tearDownOfflineKind({ clusterName: name, env: ctx.env }),
      );
      for (const problem of problems) ctx.status.info(`kind teardown: ${problem}`);
    },
  };
}

/** The pod and Service subnets of a kind config (kind's defaults where it names none). */
export function kindConfigSubnets(text: string): { pods: string; services: string } {
  const config = (parse(text) ?? {}) as { networking?: { podSubnet?: string; serviceSubnet?: string } };
  return {
    pods: config.networking?.podSubnet ?? DEFAULT_POD_SUBNET,
    services: config.networking?.serviceSubnet ?? DEFAULT_SERVICE_SUBNET,
  };
}

/** Sets up everything an offline kind cluster needs on this machine (idempotent); returns the node image. */
async function prepareOfflineKind(options: {
  clusterName: string;
  kindConfig: string;
  status: Status;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<string> {
  const { status, signal, env } = options;
  const cacheRoot = defaultCacheRoot(env);
  await ensureGoProgram(KIND_PROGRAM, { cacheRoot, status, env, signal });
  const engine = await status.phase('Starting incluster’s Docker engine for kind', () =>
    startKindEngine({ cacheRoot, env, signal }),
  );
  if (engine.missingCapabilities.length > 0)
    status.info(
      `runtime wrapper: this machine cannot grant ${engine.missingCapabilities.join(', ')}; nodes run without it`,
    );
  const image = await ensureOfflineNodeImage({
    engine,
    cacheRoot,
    status,
    missingCapabilities: engine.missingCapabilities,
    env,
    signal,
  });
  // The config, or (for a cluster already made from it, `up` from another project) what up noted.
  const subnets = existsSync(options.kindConfig)
    ? kindConfigSubnets(await readFile(options.kindConfig, 'utf8'))
    : await markedSubnets(options.clusterName, options.kindConfig);
  await installNetworkGuard(guardFor(subnets, []));
  if (!existsSync('/lib/modules')) {
    await mkdir('/lib/modules');
    await writeFile(CREATED_LIB_MODULES, '');
  }
  await mkdir(dirname(offlineMarkerPath(options.clusterName)), { recursive: true });
  await writeFile(
    offlineMarkerPath(options.clusterName),
    `${JSON.stringify({ ...subnets, image: image.image })}\n`,
  );
  return image.image;
}

/** The subnets `up` noted for an offline cluster; a usage error naming the config when there is none. */
async function markedSubnets(
  clusterName: string,
  kindConfig: string,
): Promise<{ pods: string; services: string }> {
  try {
    return JSON.parse(await readFile(offlineMarkerPath(clusterName), 'utf8')) as {
      pods: string;
      services: string;
    };
  } catch {
    throw new UsageError(`cluster.kind.config: ${kindConfig} does not exist`, {
      hint: '`incluster init` writes the default kind config to testing/k8s/kind-config.yaml',
    });
  }
}

/** Adds the `kind` network's IPv6 subnet (kind picks it at create) to the guard. */
async function guardKindNetwork(options: { clusterName: string; env: NodeJS.ProcessEnv }): Promise<void> {
  const engine = kindEngine(defaultCacheRoot(options.env), options.env);
  const inspected = await docker(
    engine,
    ['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', KIND_NETWORK],
    { allowFailure: true },
  );
  const marker = JSON.parse(await readFile(offlineMarkerPath(options.clusterName), 'utf8')) as {
    pods: string;
    services: string;
  };
  const extra = inspected.stdout.split(/\s+/).filter((subnet) => subnet.includes(':'));
  await installNetworkGuard(guardFor(marker, extra));
}

/**
 * Undoes prepareOfflineKind once the cluster is deleted: the `kind` network, our engine (its
 * containerd, mounts, cgroup parent), the guard, /lib/modules if we made it. The cache stays.
 * Returns what could not be undone.
 */
async function tearDownOfflineKind(options: {
  clusterName: string;
  env: NodeJS.ProcessEnv;
}): Promise<string[]> {
  const cacheRoot = defaultCacheRoot(options.env);
  const problems: string[] = [];
  // This cluster is gone, whatever happens to the engine another cluster may still use.
  await rm(offlineMarkerPath(options.clusterName), { force: true });
  if ((await kindEnginePid(kindEnginePaths(cacheRoot))) !== undefined) {
    const engine = kindEngine(cacheRoot, options.env);
    const left = await docker(engine, ['ps', '--all', '--quiet'], { allowFailure: true });
    if (left.stdout.trim() !== '') {
      // Another kind cluster still runs on our engine: leave the engine and the guard to it.
      return [
        `incluster's kind engine still runs containers (${left.stdout.trim().split('\n').length}); kept it`,
      ];
    }
    await docker(engine, ['network', 'rm', KIND_NETWORK], { allowFailure: true });
  }
  if (existsSync(CREATED_LIB_MODULES) && existsSync('/lib/modules')) {
    if ((await readdir('/lib/modules')).length === 0) await rmdir('/lib/modules');
    else problems.push('/lib/modules (created for kind) is no longer empty; kept it');
  }
  problems.push(...(await stopKindEngine({ cacheRoot })));
  problems.push(...(await removeNetworkGuard()));
  return problems;
}

/**
 * `kind load docker-image` reads from the engine kind runs on, ours; images built or pulled with
 * the user's own Docker engine (the runner image, preloaded service images) are copied over first
 * (`docker save` there, `docker load` here). An image neither engine has is left for kind to name.
 */
async function copyImagesToKindEngine(
  images: readonly string[],
  options: { env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<string[]> {
  const cacheRoot = defaultCacheRoot(options.env);
  const ours = kindEngine(cacheRoot, options.env);
  const theirs = { ...ours, env: dockerCliEnv(options.env.DOCKER_HOST || DEFAULT_DOCKER_HOST, options.env) };
  if (theirs.env.DOCKER_HOST === ours.env.DOCKER_HOST) return [];
  const copied: string[] = [];
  const ownLabel = `{{index .Config.Labels "${MANAGED_BY_LABEL}"}}`;
  for (const image of images) {
    const here = await docker(ours, ['image', 'inspect', '--format', `{{.Id}} ${ownLabel}`, image], {
      allowFailure: true,
      signal: options.signal,
    });
    // A runner image incluster built here (offline, runs build in this engine) is tagged by its
    // content: the same tag in the user's engine holds the same thing, and copying it is waste.
    if (here.exitCode === 0 && here.stdout.trim().endsWith(` ${managedByLabels()[MANAGED_BY_LABEL]}`))
      continue;
    const inspect = ['image', 'inspect', '--format', '{{.Id}}', image];
    const there = await docker(theirs, inspect, { allowFailure: true, signal: options.signal });
    const hereId = here.stdout.trim().split(' ')[0];
    if (there.exitCode !== 0 || (here.exitCode === 0 && hereId === there.stdout.trim())) continue;
    await mkdir(join(cacheRoot, 'kind'), { recursive: true });
    const dir = await mkdtemp(join(cacheRoot, 'kind', 'copy-'));
    try {
      await docker(theirs, ['save', '--output', join(dir, 'image.tar'), image], { signal: options.signal });
      await docker(ours, ['load', '--input', join(dir, 'image.tar')], { signal: options.signal });
      copied.push(image);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return copied;
}

/** What the network guard covers: every range of the cluster, and those packets may come from. */
export function guardFor(subnets: { pods: string; services: string }, nodeSubnets6: readonly string[]) {
  return {
    ranges: [KIND_ENGINE.addressPool, ...nodeSubnets6, subnets.pods, subnets.services],
    sources: [KIND_ENGINE.addressPool, ...nodeSubnets6, subnets.pods],
  };
}
