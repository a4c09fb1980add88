// Phase 2: which image the pods run, and how it gets to the nodes. Three plans, decided from one
// look at the cluster (ClusterFacts) and the build context:
//   - given: the caller named an image (`options.image`): no build, no load;
//   - sync: the dependencies match the image last loaded into this cluster, only sources changed:
//     run that image and stream the current sources into the pods (sources.ts);
//   - build: build (or reuse) the image tagged by its content hash and load or push it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEnvOf, canBuildBaseImages, canLoadImages } from '../cluster/provider.ts';
import { cacheRoot } from '../cluster/cache.ts';
import { dockerImageId, rememberLookups, type ImageIdLookup } from './base-images.ts';
import {
  baseImageFor,
  buildRunnerImage,
  deliverImage,
  dependencyKey,
  forgetBaseImage,
  imageReference,
  rememberBaseImage,
  runnerBaseImages,
  type BuildOptions,
  type DeliveredImage,
} from './image.ts';
import type { ClusterFacts } from './phases/inspect-cluster.ts';
import { packSources } from './sources.ts';
import type { RunReport } from './report.ts';
import type { RunContext } from './run-context.ts';
import { PYTEST_PLUGIN_DIR, stagePytestPlugin } from './pytest-plugin.ts';

/** The image the pods run, what the report says of it, and the sources to sync in, if any. */
export interface ImagePlan {
  pods: DeliveredImage;
  report: NonNullable<RunReport['image']>;
  /** The build context to stream into the pods (the sync plan). */
  sources?: Buffer;
  /** Forgets the base image (it vanished from the node): the next run builds and loads again. */
  forgetBase?: () => Promise<void>;
}

/** Decides the plan and carries it out up to the image being on the nodes. */
export async function planImage(ctx: RunContext, cluster: ClusterFacts): Promise<ImagePlan> {
  const { options } = ctx;
  if (options.image)
    return {
      pods: options.image,
      report: { reference: options.image.reference, clusterReference: options.image.reference, built: false },
    };
  const dockerfile = await readFile(options.config.runner.dockerfile, 'utf8').catch(() => '');
  if (await stagePytestPlugin(options.config.runner.context, dockerfile))
    options.status.info(`  pytest plugin staged into ${PYTEST_PLUGIN_DIR} of the build context`);
  // The engine the provider builds in (offline kind: its own; otherwise DOCKER_HOST's).
  const dockerEnv = buildEnvOf(options.provider, ctx.providerContext);
  // The base images' IDs are part of every hash below; the engine is asked once per image (again
  // only when the provider has just built some of them).
  let baseImageId = rememberLookups(dockerImageId(dockerEnv, options.signal));
  if (await provideMissingBases(ctx, dockerfile, baseImageId))
    baseImageId = rememberLookups(dockerImageId(dockerEnv, options.signal));
  const build: BuildOptions = {
    contextDir: options.config.runner.context,
    dockerfile: options.config.runner.dockerfile,
    repository: options.config.runner.image,
    env: dockerEnv,
    baseImageId,
  };
  const memos = cacheRoot(options.env);
  const basesFile = join(memos, 'runner-bases.json');
  // Known even when this run does not sync, so the image it loads becomes the next run's base.
  const depsKey = canLoadImages(options.provider) ? await dependencyKey(build) : undefined;
  if (depsKey && options.syncSources !== false) {
    const synced = await syncPlan(ctx, build, basesFile, cluster.id, depsKey);
    if (synced) return synced;
  }
  const built = await ctx.options.status.phase('Building the runner image', () =>
    buildRunnerImage({
      ...build,
      signal: options.signal,
      onLine: (line) => {
        if (/^Step \d+\/\d+/.test(line)) options.status.update(line);
      },
    }),
  );
  options.status.info(
    `  ${built.reference} (${built.built ? 'built' : 'unchanged, not rebuilt'}, ${built.id.slice(0, 19)})`,
  );
  // Loaders (kind, local) report their own phase; a push to a registry gets one here.
  const delivered = canLoadImages(options.provider)
    ? await deliverImage(options.provider, ctx.providerContext, built.reference, ctx.client, {
        // Outside the build context, so writing it never changes the next content hash.
        file: join(memos, 'loaded-images.json'),
        clusterId: cluster.id,
        imageId: built.id,
      })
    : await options.status.phase(
        `Pushing ${built.reference} to ${options.config.cluster.existing.registry ?? 'the registry'}`,
        () => deliverImage(options.provider, ctx.providerContext, built.reference, ctx.client),
      );
  if (depsKey) await rememberBaseImage(basesFile, cluster.id, depsKey, built.reference);
  if (!delivered.loaded) options.status.info(`  ${built.reference} is already on every node`);
  return {
    pods: { reference: delivered.reference, pullPolicy: delivered.pullPolicy, digest: delivered.digest },
    report: {
      reference: built.reference,
      id: built.id,
      contentHash: built.contentHash,
      built: built.built,
      clusterReference: delivered.reference,
      digest: delivered.digest,
    },
  };
}

/**
 * Base images the local engine lacks, built by the provider when it can (local: Python and uv for
 * pytest runners), before any hash: a base's image ID is part of the runner image's content hash.
 * Returns whether it built any (then `lookup`'s answers are stale).
 */
async function provideMissingBases(
  ctx: RunContext,
  dockerfile: string,
  lookup: ImageIdLookup,
): Promise<boolean> {
  const { options } = ctx;
  if (!canBuildBaseImages(options.provider)) return false;
  const missing: string[] = [];
  for (const base of await runnerBaseImages(dockerfile))
    if ((await lookup(base)) === undefined) missing.push(base);
  if (missing.length === 0) return false;
  return (await options.provider.ensureBaseImages(ctx.providerContext, missing)).length > 0;
}

/** The sync plan, when this cluster has an image with the same dependencies but other sources. */
async function syncPlan(
  ctx: RunContext,
  build: BuildOptions,
  basesFile: string,
  clusterId: string,
  depsKey: string,
): Promise<ImagePlan | undefined> {
  const base = await baseImageFor(basesFile, clusterId, depsKey);
  if (!base) return undefined;
  const { reference, hash } = await imageReference(build);
  if (base === reference) return undefined;
  ctx.options.status.info(
    `  sources changed, dependencies not: running ${base} with the current sources synced in`,
  );
  return {
    pods: { reference: base, pullPolicy: 'Never' },
    report: { reference, contentHash: hash, built: false, clusterReference: base, syncedSourcesInto: base },
    sources: await packSources(build.contextDir),
    forgetBase: () => forgetBaseImage(basesFile, clusterId, depsKey),
  };
}
