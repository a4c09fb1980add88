// The one call the local provider makes during `up`: every image the cluster needs is in its
// containerd, built on this machine the first time and loaded from the cache afterwards.
// Warm, it only compares cache keys (labels in Docker and containerd) and returns in seconds.
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InfrastructureError } from '../../../../errors.ts';
import { formatDuration } from '../../../../duration.ts';
import type { Status } from '../../../../progress/status.ts';
import { busyboxRecipe } from './busybox-image.ts';
import {
  importArchiveIntoContainerd,
  labelContainerdImage,
  listContainerdImages,
  verifyImagesInContainerd,
  type ContainerdOptions,
} from './containerd-images.ts';
import { corednsRecipe } from './coredns-image.ts';
import { dockerImageId, dockerImageKey, loadImages, removeReplacedImage, saveImages } from './docker-cli.ts';
import { ensureDockerEngine, type DockerEngine } from './docker-engine.ts';
import { IMAGE_KEY_LABEL, imageArchivePath, imageCacheDir, imageKey, isArchiveOf } from './image-cache.ts';
import { qualifyImageReference, shortImageName } from '../../../image-reference.ts';
import { nodeRecipe } from './node-image.ts';
import { pauseRecipe } from './pause-image.ts';
import { postgresRecipe } from './postgres-image.ts';
import { pythonRecipe } from './python-image.ts';
import { redisRecipe } from './redis-image.ts';
import type { ImageRecipe } from './recipe.ts';
import { uvRecipe } from './uv-image.ts';
import { pathExists } from '../../../../process/paths.ts';

/** Recipes of the images the cluster's containerd receives, in build order (DNS and sandboxes first). */
export const CLUSTER_RECIPES: readonly ImageRecipe[] = [
  pauseRecipe,
  busyboxRecipe,
  corednsRecipe,
  nodeRecipe,
  postgresRecipe,
  redisRecipe,
];

/** Every image ensureClusterImages puts into the cluster's containerd. */
export const CLUSTER_IMAGES: readonly string[] = CLUSTER_RECIPES.map((recipe) => recipe.image);

/**
 * Bases only some runner Dockerfiles build FROM (pytest suites): built when a run first needs one
 * (ensureRunnerBaseImages), not by every `up`, so a Node.js-only project never waits for them.
 */
const RUNNER_BASE_RECIPES: readonly ImageRecipe[] = [pythonRecipe, uvRecipe];

/** The runner bases this machine can build on demand (python, uv). */
export const RUNNER_BASE_IMAGES: readonly string[] = RUNNER_BASE_RECIPES.map((recipe) => recipe.image);

/** The images `images` names that this machine can build as runner bases, the cluster's own included. */
export function buildableImages(images: readonly string[]): string[] {
  const known = [...CLUSTER_RECIPES, ...RUNNER_BASE_RECIPES].map((r) => qualifyImageReference(r.image));
  return images.filter((image) => known.includes(qualifyImageReference(image)));
}

/** What ensureClusterImages needs: where to cache, which containerd, how to report. */
export interface ClusterImagesOptions {
  /** Cache root (cacheRoot() from src/cluster/cache.ts): archives, dockerd's data-root, binaries. */
  cacheRoot: string;
  /** The cluster's state directory: a dockerd we start keeps its pid file and log there. */
  stateDir: string;
  /** The cluster's containerd socket (default /run/containerd/containerd.sock). */
  containerdSocket?: string;
  /** containerd namespace (default k8s.io). */
  namespace?: string;
  status: Status;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Only these images (names from image-names.ts); default every cluster image. */
  images?: readonly string[];
}

/** What happened to one image. */
export interface ImageOutcome {
  image: string;
  key: string;
  /** The cached `docker save` archive. */
  archive: string;
  /** `built` now, `loaded` from the cached archive, or already `present` with the right key. */
  docker: 'built' | 'loaded' | 'present';
  /** `imported` now, or already `present` with the right key. */
  containerd: 'imported' | 'present';
}

/** The result of ensureClusterImages: the engine used, and what was built versus reused. */
export interface ClusterImagesReport {
  engine: DockerEngine;
  images: ImageOutcome[];
  /** Every image built by this call, base images included. */
  built: string[];
  /** Cluster images this call did not build (already in Docker or loaded from the cache). */
  reused: string[];
}

/** Ensures Docker, builds or loads every cluster image, imports them into containerd and verifies them. */
export async function ensureClusterImages(options: ClusterImagesOptions): Promise<ClusterImagesReport> {
  const env = options.env ?? process.env;
  const { status, signal, cacheRoot } = options;
  const recipes = selectRecipes(options.images);
  const engine = await ensureDockerEngine({
    stateDir: options.stateDir,
    containerdSocket: options.containerdSocket,
    cacheRoot,
    env,
    status,
    signal,
  });
  const containerd: ContainerdOptions = {
    containerdSocket: options.containerdSocket,
    namespace: options.namespace,
    signal,
  };

  // Background preparations must not outlive this call when a build fails.
  const background = new AbortController();
  const abort = () => background.abort();
  signal?.addEventListener('abort', abort, { once: true });
  const inDocker = new Map<ImageRecipe, 'built' | 'loaded' | 'present'>();
  let builder: ImageBuilder;
  try {
    builder = new ImageBuilder(engine, cacheRoot, env, status, background.signal);
    await builder.startPreparations(recipes);
    const pending = [...recipes];
    while (pending.length > 0) {
      const next = nextToBuild(pending, (recipe) => builder.isReady(recipe));
      pending.splice(pending.indexOf(next), 1);
      inDocker.set(next, await builder.ensure(next));
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    background.abort();
  }

  const held = await listContainerdImages(containerd);
  const labelOf = (image: string) =>
    held.find((h) => qualifyImageReference(h.name) === qualifyImageReference(image))?.labels[IMAGE_KEY_LABEL];
  const images: ImageOutcome[] = [];
  for (const recipe of recipes) {
    const key = await builder.keyOf(recipe);
    images.push({
      image: recipe.image,
      key,
      archive: imageArchivePath(cacheRoot, recipe.image, key),
      docker: inDocker.get(recipe)!,
      containerd: labelOf(recipe.image) === key ? 'present' : 'imported',
    });
  }
  const toImport = images.filter((outcome) => outcome.containerd === 'imported');
  if (toImport.length > 0) {
    await status.phase(`Importing ${describe(toImport.map((o) => o.image))} into containerd`, async () => {
      for (const outcome of toImport) {
        status.update(shortImageName(outcome.image));
        await importArchiveIntoContainerd(outcome.archive, containerd);
        await labelContainerdImage(outcome.image, { [IMAGE_KEY_LABEL]: outcome.key }, containerd);
      }
    });
  }
  await status.phase(`Verifying ${images.length} cluster images in containerd`, async () => {
    await verifyImagesInContainerd(
      images.map((o) => o.image),
      containerd,
    );
    const after = await listContainerdImages(containerd);
    for (const outcome of images) {
      const label = after.find((h) => qualifyImageReference(h.name) === qualifyImageReference(outcome.image))
        ?.labels[IMAGE_KEY_LABEL];
      if (label !== outcome.key) {
        throw new InfrastructureError(
          'ImageMismatch',
          `${outcome.image} in containerd has cache key ${label ?? '(none)'}, expected ${outcome.key}`,
        );
      }
    }
  });
  return {
    engine,
    images,
    built: builder.built,
    reused: images.filter((o) => o.docker !== 'built').map((o) => o.image),
  };
}

/** In order, except that an image still being prepared waits while the ones after it build. */
export function nextToBuild<T>(pending: readonly T[], isReady: (item: T) => boolean): T {
  const next = pending.find(isReady) ?? pending[0];
  if (next === undefined) throw new Error('nextToBuild: nothing is pending');
  return next;
}

/** The recipes for `images` (all cluster images by default), refusing names we cannot build. */
export function selectRecipes(images?: readonly string[]): ImageRecipe[] {
  if (images === undefined) return [...CLUSTER_RECIPES];
  return images.map((image) => {
    const recipe = [...CLUSTER_RECIPES, ...RUNNER_BASE_RECIPES].find(
      (r) => qualifyImageReference(r.image) === qualifyImageReference(image),
    );
    if (!recipe) {
      throw new InfrastructureError('UnknownClusterImage', `no local build recipe for image \`${image}\``, {
        hint: `buildable: ${[...CLUSTER_RECIPES, ...RUNNER_BASE_RECIPES].map((r) => r.image).join(', ')}`,
      });
    }
    return recipe;
  });
}

/** Makes images present in Docker with their current cache key: keeps, loads from the cache, or builds. */
class ImageBuilder {
  readonly built: string[] = [];
  private readonly preparations = new Map<ImageRecipe, Promise<{ error: unknown } | undefined>>();
  private readonly prepared = new Set<ImageRecipe>();
  private readonly keys = new Map<ImageRecipe, Promise<string>>();
  private readonly ensured = new Map<ImageRecipe, Promise<'built' | 'loaded' | 'present'>>();
  private readonly engine: DockerEngine;
  private readonly cacheRoot: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly status: Status;
  private readonly signal: AbortSignal | undefined;

  constructor(
    engine: DockerEngine,
    cacheRoot: string,
    env: NodeJS.ProcessEnv,
    status: Status,
    signal?: AbortSignal,
  ) {
    this.engine = engine;
    this.cacheRoot = cacheRoot;
    this.env = env;
    this.status = status;
    this.signal = signal;
  }

  /** The cache key of `recipe`: its definition and, recursively, its base's key. */
  keyOf(recipe: ImageRecipe): Promise<string> {
    let key = this.keys.get(recipe);
    if (!key) {
      key = (async () => {
        const base = recipe.base ? await this.keyOf(recipe.base) : '';
        return imageKey([recipe.image, base, ...(await recipe.definition(this.env))]);
      })();
      this.keys.set(recipe, key);
    }
    return key;
  }

  /** Starts the background preparation of every recipe that will have to be built. */
  async startPreparations(recipes: readonly ImageRecipe[]): Promise<void> {
    for (const recipe of recipes) {
      if (!recipe.prepare || !(await this.needsBuild(recipe))) continue;
      const name = shortImageName(recipe.image);
      const started = performance.now();
      this.status.info(`Preparing ${name} in the background`);
      const settle = () => this.prepared.add(recipe);
      const preparation = recipe
        .prepare({ cacheRoot: this.cacheRoot, env: this.env, signal: this.signal })
        .then(
          () => {
            settle();
            this.status.info(`Prepared ${name} (${formatDuration(performance.now() - started)})`);
            return undefined;
          },
          // Kept as a value, so a failure surfaces when the build needs it, never as an unhandled rejection.
          (error: unknown) => {
            settle();
            return { error };
          },
        );
      this.preparations.set(recipe, preparation);
    }
  }

  /** False while the recipe's background preparation is still running. */
  isReady(recipe: ImageRecipe): boolean {
    return !this.preparations.has(recipe) || this.prepared.has(recipe);
  }

  private async needsBuild(recipe: ImageRecipe): Promise<boolean> {
    const key = await this.keyOf(recipe);
    if ((await dockerImageKey(this.engine, recipe.image, this.signal)) === key) return false;
    return !(await pathExists(imageArchivePath(this.cacheRoot, recipe.image, key)));
  }

  ensure(recipe: ImageRecipe): Promise<'built' | 'loaded' | 'present'> {
    let done = this.ensured.get(recipe);
    if (!done) {
      done = this.ensureOnce(recipe);
      this.ensured.set(recipe, done);
    }
    return done;
  }

  private async ensureOnce(recipe: ImageRecipe): Promise<'built' | 'loaded' | 'present'> {
    const key = await this.keyOf(recipe);
    const archive = imageArchivePath(this.cacheRoot, recipe.image, key);
    const previous = await dockerImageId(this.engine, recipe.image, this.signal);
    if ((await dockerImageKey(this.engine, recipe.image, this.signal)) === key) {
      if (!(await pathExists(archive))) await this.saveArchive(recipe.image, archive);
      return 'present';
    }
    const outcome = await this.loadOrBuild(recipe, key, archive);
    // The build this one replaced would otherwise linger, untagged, in dockerd's data-root.
    if (
      previous !== undefined &&
      previous !== (await dockerImageId(this.engine, recipe.image, this.signal))
    ) {
      await removeReplacedImage(this.engine, previous, this.signal);
    }
    return outcome;
  }

  private async loadOrBuild(recipe: ImageRecipe, key: string, archive: string): Promise<'built' | 'loaded'> {
    const name = shortImageName(recipe.image);
    if (await pathExists(archive)) {
      await this.status.phase(`Loading cached image ${name}`, async () => {
        await loadImages(this.engine, archive, this.signal);
        await this.expectKey(recipe.image, key, `loading ${archive}`);
      });
      return 'loaded';
    }
    if (recipe.base) await this.ensure(recipe.base);
    await this.status.phase(`Building image ${name}`, async () => {
      await mkdir(imageCacheDir(this.cacheRoot), { recursive: true });
      const workDir = await mkdtemp(join(imageCacheDir(this.cacheRoot), 'build-'));
      try {
        if (!this.isReady(recipe)) this.status.update('waiting for its background preparation');
        const preparation = await this.preparations.get(recipe);
        if (preparation) throw preparation.error;
        await recipe.build({
          docker: this.engine,
          cacheRoot: this.cacheRoot,
          workDir,
          key,
          env: this.env,
          signal: this.signal,
          progress: (detail) => this.status.update(detail),
        });
      } catch (error) {
        throw new InfrastructureError('ImageBuildFailed', `building image ${recipe.image} failed`, {
          cause: error,
        });
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
      await this.expectKey(recipe.image, key, 'the build');
      await this.saveArchive(recipe.image, archive);
    });
    this.built.push(recipe.image);
    return 'built';
  }

  private async expectKey(image: string, key: string, after: string): Promise<void> {
    const actual = await dockerImageKey(this.engine, image, this.signal);
    if (actual !== key) {
      throw new InfrastructureError(
        'ImageMismatch',
        `after ${after}, Docker's ${image} has cache key ${actual || '(none)'}, expected ${key}`,
      );
    }
  }

  /** Writes the archive atomically, then removes archives of the same image with older keys. */
  private async saveArchive(image: string, archive: string): Promise<void> {
    const dir = imageCacheDir(this.cacheRoot);
    await mkdir(dir, { recursive: true });
    const partial = `${archive}.partial-${process.pid}`;
    try {
      await saveImages(this.engine, [image], partial, this.signal);
      await rename(partial, archive);
    } finally {
      await rm(partial, { force: true });
    }
    for (const file of await readdir(dir)) {
      if (file !== basename(archive) && isArchiveOf(file, image)) await rm(join(dir, file), { force: true });
    }
  }
}

function describe(images: readonly string[]): string {
  return images.length === 1 ? shortImageName(images[0]!) : `${images.length} images`;
}
