// The one image builder: makes recipes present in a Docker engine with their current cache key. An
// image the engine already holds under its key is kept; one whose archive is cached is loaded; any
// other is built (its base first, its slow preparation overlapping the other builds), checked for
// its key, and archived. Both providers use it: the local one with the engine that feeds its
// containerd, kind with the engine its offline nodes run on.
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../../duration.ts';
import { InfrastructureError } from '../../errors.ts';
import { pathExists } from '../../process/paths.ts';
import type { Status } from '../../progress/status.ts';
import type { DockerEngine } from '../host/dockerd.ts';
import { shortImageName } from '../image-reference.ts';
import {
  boundImageCache,
  imageArchivePath,
  imageCacheDir,
  imageCacheLimit,
  imageKey,
  touchArchive,
} from './cache.ts';
import { dockerImageId, dockerImageKey, loadImages, removeReplacedImage, saveImages } from './docker-cli.ts';
import type { ImageRecipe } from './recipe.ts';

/** What the builder works with. */
export interface ImageBuilderOptions {
  engine: DockerEngine;
  /** Cache root (cacheRoot() from src/cluster/cache.ts): the archives, and the inputs recipes cache. */
  cacheRoot: string;
  env: NodeJS.ProcessEnv;
  status: Status;
  signal?: AbortSignal;
}

/** How an image came to be in Docker: `built` now, `loaded` from its archive, or already `present`. */
export type DockerOutcome = 'built' | 'loaded' | 'present';

/** The cache key of `recipe`: its image name, its base's key, and what it is made of. */
export async function recipeKey(recipe: ImageRecipe, env: NodeJS.ProcessEnv): Promise<string> {
  const base = recipe.base ? await recipeKey(recipe.base, env) : '';
  return imageKey([recipe.image, base, ...(await recipe.definition(env))]);
}

/** In order, except that an image still being prepared waits while the ones after it build. */
export function nextToBuild<T>(pending: readonly T[], isReady: (item: T) => boolean): T {
  const next = pending.find(isReady) ?? pending[0];
  if (next === undefined) throw new Error('nextToBuild: nothing is pending');
  return next;
}

/** Makes images present in one Docker engine with their current cache key. */
export class ImageBuilder {
  /** Every image this builder built, bases included, in build order. */
  readonly built: string[] = [];
  private readonly options: ImageBuilderOptions;
  private readonly keys = new Map<ImageRecipe, Promise<string>>();
  private readonly ensured = new Map<ImageRecipe, Promise<DockerOutcome>>();
  private readonly preparations = new Map<ImageRecipe, Promise<{ error: unknown } | undefined>>();
  private readonly prepared = new Set<ImageRecipe>();
  /** Archives this builder wrote or used: the cache's bound never removes them. */
  private readonly inUse = new Set<string>();

  constructor(options: ImageBuilderOptions) {
    this.options = options;
  }

  /** The cache key of `recipe` (computed once). */
  keyOf(recipe: ImageRecipe): Promise<string> {
    let key = this.keys.get(recipe);
    if (!key) {
      key = recipeKey(recipe, this.options.env);
      this.keys.set(recipe, key);
    }
    return key;
  }

  /** Where `recipe`'s archive is (or would be) cached. */
  async archiveOf(recipe: ImageRecipe): Promise<string> {
    return imageArchivePath(this.options.cacheRoot, recipe.image, await this.keyOf(recipe));
  }

  /**
   * Ensures every recipe, in order, with their background preparations started first; an image
   * still being prepared lets the next ones build meanwhile. Preparations never outlive the call.
   */
  async ensureAll(recipes: readonly ImageRecipe[]): Promise<Map<ImageRecipe, DockerOutcome>> {
    const outcomes = new Map<ImageRecipe, DockerOutcome>();
    const background = new AbortController();
    const abort = () => background.abort();
    this.options.signal?.addEventListener('abort', abort, { once: true });
    try {
      await this.startPreparations(recipes, background.signal);
      const pending = [...recipes];
      while (pending.length > 0) {
        const next = nextToBuild(pending, (recipe) => this.isReady(recipe));
        pending.splice(pending.indexOf(next), 1);
        outcomes.set(next, await this.ensure(next));
      }
    } finally {
      this.options.signal?.removeEventListener('abort', abort);
      background.abort();
    }
    const removed = await boundImageCache(
      this.options.cacheRoot,
      imageCacheLimit(this.options.env),
      this.inUse,
    );
    if (removed.length > 0)
      this.options.status.info(
        `removed ${removed.length} least recently used image archive(s) to keep the cache within its bound`,
      );
    return outcomes;
  }

  /** Ensures one recipe (and its base, when it has to be built). */
  ensure(recipe: ImageRecipe): Promise<DockerOutcome> {
    let done = this.ensured.get(recipe);
    if (!done) {
      done = this.ensureOnce(recipe);
      this.ensured.set(recipe, done);
    }
    return done;
  }

  private async startPreparations(recipes: readonly ImageRecipe[], signal: AbortSignal): Promise<void> {
    const { status, cacheRoot, env } = this.options;
    for (const recipe of recipes) {
      if (!recipe.prepare || !(await this.needsBuild(recipe))) continue;
      const name = shortImageName(recipe.image);
      const started = performance.now();
      status.info(`Preparing ${name} in the background`);
      const settle = () => this.prepared.add(recipe);
      const preparation = recipe.prepare({ cacheRoot, env, signal }).then(
        () => {
          settle();
          status.info(`Prepared ${name} (${formatDuration(performance.now() - started)})`);
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
  private isReady(recipe: ImageRecipe): boolean {
    return !this.preparations.has(recipe) || this.prepared.has(recipe);
  }

  private async needsBuild(recipe: ImageRecipe): Promise<boolean> {
    const { engine, signal } = this.options;
    if ((await dockerImageKey(engine, recipe.image, signal)) === (await this.keyOf(recipe))) return false;
    return recipe.archive === false || !(await pathExists(await this.archiveOf(recipe)));
  }

  private async ensureOnce(recipe: ImageRecipe): Promise<DockerOutcome> {
    const { engine, signal } = this.options;
    const key = await this.keyOf(recipe);
    const archive = await this.archiveOf(recipe);
    const previous = await dockerImageId(engine, recipe.image, signal);
    if ((await dockerImageKey(engine, recipe.image, signal)) === key) {
      if (recipe.archive !== false) {
        if (await pathExists(archive)) await touchArchive(archive);
        else await this.saveArchive(recipe.image, archive);
        this.inUse.add(archive);
      }
      return 'present';
    }
    const outcome = await this.loadOrBuild(recipe, key, archive);
    // The build this one replaced would otherwise linger, untagged, in the engine's data-root
    // (its archive stays in the cache, so going back to it is a load, not a build).
    if (previous !== undefined && previous !== (await dockerImageId(engine, recipe.image, signal)))
      await removeReplacedImage(engine, previous, signal);
    return outcome;
  }

  private async loadOrBuild(recipe: ImageRecipe, key: string, archive: string): Promise<'built' | 'loaded'> {
    const { status, engine, signal } = this.options;
    const name = shortImageName(recipe.image);
    if (recipe.archive !== false && (await pathExists(archive))) {
      this.inUse.add(archive);
      await status.phase(`Loading cached image ${name}`, async () => {
        await loadImages(engine, archive, signal);
        await this.expectKey(recipe.image, key, `loading ${archive}`);
      });
      await touchArchive(archive);
      return 'loaded';
    }
    if (recipe.base) await this.ensure(recipe.base);
    await status.phase(`Building image ${name}`, async () => {
      await this.runBuild(recipe, key);
      await this.expectKey(recipe.image, key, 'the build');
      if (recipe.archive !== false) {
        this.inUse.add(archive);
        await this.saveArchive(recipe.image, archive);
      }
    });
    this.built.push(recipe.image);
    return 'built';
  }

  /** The recipe's own build, in a work directory of its own; any failure is an ImageBuildFailed. */
  private async runBuild(recipe: ImageRecipe, key: string): Promise<void> {
    const { cacheRoot, engine, env, signal, status } = this.options;
    await mkdir(imageCacheDir(cacheRoot), { recursive: true });
    const workDir = await mkdtemp(join(imageCacheDir(cacheRoot), 'build-'));
    try {
      if (!this.isReady(recipe)) status.update('waiting for its background preparation');
      const preparation = await this.preparations.get(recipe);
      if (preparation) throw preparation.error;
      // Not prepared in the background (nothing else to overlap, or the image had an archive then).
      if (recipe.prepare && !this.preparations.has(recipe)) await recipe.prepare({ cacheRoot, env, signal });
      await recipe.build({
        docker: engine,
        cacheRoot,
        workDir,
        key,
        env,
        signal,
        progress: (detail) => status.update(detail),
      });
    } catch (error) {
      throw new InfrastructureError('ImageBuildFailed', `building image ${recipe.image} failed`, {
        cause: error,
      });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private async expectKey(image: string, key: string, after: string): Promise<void> {
    const actual = await dockerImageKey(this.options.engine, image, this.options.signal);
    if (actual !== key) {
      throw new InfrastructureError(
        'ImageMismatch',
        `after ${after}, Docker's ${image} has cache key ${actual || '(none)'}, expected ${key}`,
      );
    }
  }

  /** Writes the archive atomically (other keys' archives of the image stay, for other versions). */
  private async saveArchive(image: string, archive: string): Promise<void> {
    await mkdir(imageCacheDir(this.options.cacheRoot), { recursive: true });
    const partial = `${archive}.partial-${process.pid}`;
    try {
      await saveImages(this.options.engine, [image], partial, this.options.signal);
      await rename(partial, archive);
    } finally {
      await rm(partial, { force: true });
    }
  }
}
