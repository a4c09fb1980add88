// Makes image recipes present in a Docker engine, by cache key: kept when the engine already has
// the key, loaded from the cache's `docker save` archive when there is one, built otherwise (and
// then archived). The same rule as the local provider's image builder, for another engine.
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Status } from '../../../../progress/status.ts';
import { pathExists } from '../../../../process/paths.ts';
import {
  dockerImageId,
  dockerImageKey,
  loadImages,
  removeReplacedImage,
  saveImages,
} from '../../local/images/docker-cli.ts';
import type { DockerEngine } from '../../local/images/docker-engine.ts';
import { imageArchivePath, imageCacheDir, imageKey, isArchiveOf } from '../../local/images/image-cache.ts';
import type { ImageRecipe } from '../../local/images/recipe.ts';
import { shortImageName } from '../../../image-reference.ts';

/** What ensureRecipes needs. */
export interface RecipeOptions {
  engine: DockerEngine;
  cacheRoot: string;
  status: Status;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Archive built images into the cache (default true); false for images kept only in the engine. */
  archive?: boolean;
}

/** The cache key of `recipe`: its image name, its base's key, its definition. */
export async function recipeKey(recipe: ImageRecipe, env: NodeJS.ProcessEnv): Promise<string> {
  const base = recipe.base ? await recipeKey(recipe.base, env) : '';
  return imageKey([recipe.image, base, ...(await recipe.definition(env))]);
}

/** Ensures every recipe (and its base first) is in the engine with its current key; returns those built. */
export async function ensureRecipes(
  recipes: readonly ImageRecipe[],
  options: RecipeOptions,
): Promise<string[]> {
  const built: string[] = [];
  const done = new Set<ImageRecipe>();
  const ensure = async (recipe: ImageRecipe): Promise<void> => {
    if (done.has(recipe)) return;
    if (recipe.base) await ensure(recipe.base);
    const key = await recipeKey(recipe, options.env);
    done.add(recipe);
    if ((await dockerImageKey(options.engine, recipe.image, options.signal)) === key) return;
    // The image under an older key, removed once the new one has its name (never forced).
    const replaced = await dockerImageId(options.engine, recipe.image, options.signal);
    const archive = imageArchivePath(options.cacheRoot, recipe.image, key);
    if (await pathExists(archive)) {
      await options.status.phase(`Loading ${shortImageName(recipe.image)} from the cache`, () =>
        loadImages(options.engine, archive, options.signal),
      );
      if (replaced) await removeReplacedImage(options.engine, replaced, options.signal);
      return;
    }
    await options.status.phase(`Building ${shortImageName(recipe.image)}`, async () => {
      const workDir = await mkdtemp(join(options.cacheRoot, 'kind', 'build-'));
      try {
        if (recipe.prepare)
          await recipe.prepare({ cacheRoot: options.cacheRoot, env: options.env, signal: options.signal });
        await recipe.build({
          docker: options.engine,
          cacheRoot: options.cacheRoot,
          workDir,
          key,
          env: options.env,
          signal: options.signal,
          progress: (detail) => options.status.update(detail),
        });
        if (options.archive !== false) {
          await mkdir(imageCacheDir(options.cacheRoot), { recursive: true });
          await saveImages(options.engine, [recipe.image], `${archive}.tmp`, options.signal);
          await rename(`${archive}.tmp`, archive);
          // Archives of this image under older keys are stale: a new key replaced them.
          for (const file of await readdir(imageCacheDir(options.cacheRoot)))
            if (isArchiveOf(file, recipe.image) && join(imageCacheDir(options.cacheRoot), file) !== archive)
              await rm(join(imageCacheDir(options.cacheRoot), file), { force: true });
        }
      } finally {
        await rm(workDir, { recursive: true, force: true });
      }
    });
    if (replaced) await removeReplacedImage(options.engine, replaced, options.signal);
    built.push(recipe.image);
  };
  for (const recipe of recipes) await ensure(recipe);
  return built;
}
