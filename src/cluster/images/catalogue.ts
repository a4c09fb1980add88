// Which images incluster can build, and for what: the cluster's own (every `up` of the local
// provider puts them into its containerd), and the bases some runner Dockerfiles build FROM (built
// when a run first needs one). Providers pick recipes from here by image name.
import { InfrastructureError } from '../../errors.ts';
import { qualifyImageReference } from '../image-reference.ts';
import type { ImageRecipe } from './recipe.ts';
import { busyboxRecipe } from './recipes/busybox.ts';
import { corednsRecipe } from './recipes/coredns.ts';
import { nodeRecipe } from './recipes/node.ts';
import { pauseRecipe } from './recipes/pause.ts';
import { postgresRecipe } from './recipes/postgres.ts';
import { pythonRecipe } from './recipes/python.ts';
import { redisRecipe } from './recipes/redis.ts';
import { uvRecipe } from './recipes/uv.ts';

/** Recipes of the images a local cluster's containerd receives, in build order (DNS and sandboxes first). */
export const CLUSTER_RECIPES: readonly ImageRecipe[] = [
  pauseRecipe,
  busyboxRecipe,
  corednsRecipe,
  nodeRecipe,
  postgresRecipe,
  redisRecipe,
];

/** Every image a local cluster's containerd receives. */
export const CLUSTER_IMAGES: readonly string[] = CLUSTER_RECIPES.map((recipe) => recipe.image);

/**
 * Bases only some runner Dockerfiles build FROM (pytest suites): built when a run first needs one,
 * not by every `up`, so a Node.js-only project never waits for them.
 */
export const RUNNER_BASE_RECIPES: readonly ImageRecipe[] = [pythonRecipe, uvRecipe];

/** The runner bases this machine can build on demand (python, uv). */
export const RUNNER_BASE_IMAGES: readonly string[] = RUNNER_BASE_RECIPES.map((recipe) => recipe.image);

const BUILDABLE: readonly ImageRecipe[] = [...CLUSTER_RECIPES, ...RUNNER_BASE_RECIPES];

/** The images of `images` this machine can build (runner bases and service images alike). */
export function buildableImages(images: readonly string[]): string[] {
  const known = BUILDABLE.map((recipe) => qualifyImageReference(recipe.image));
  return images.filter((image) => known.includes(qualifyImageReference(image)));
}

/** The recipes for `images` (every cluster image by default), refusing names we cannot build. */
export function selectRecipes(images?: readonly string[]): ImageRecipe[] {
  if (images === undefined) return [...CLUSTER_RECIPES];
  return images.map((image) => {
    const recipe = BUILDABLE.find((r) => qualifyImageReference(r.image) === qualifyImageReference(image));
    if (!recipe) {
      throw new InfrastructureError('UnknownClusterImage', `no local build recipe for image \`${image}\``, {
        hint: `buildable: ${BUILDABLE.map((r) => r.image).join(', ')}`,
      });
    }
    return recipe;
  });
}
