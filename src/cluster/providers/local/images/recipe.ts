// What an image build is: a definition whose hash is the cache key, an optional base image built
// first, and a build that leaves the image tagged and labelled in Docker.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DockerEngine } from './docker-engine.ts';

/** What a build may use. */
export interface BuildContext {
  docker: DockerEngine;
  cacheRoot: string;
  /** A fresh directory for this build only, removed afterwards. */
  workDir: string;
  /** The cache key the image must be labelled with. */
  key: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Reports a detail of the running build (a step, a download). */
  progress: (detail: string) => void;
}

/** How one image is made. */
export interface ImageRecipe {
  /** The exact name the image is tagged with in Docker and containerd. */
  image: string;
  /** An image this one is built FROM; it is made present in Docker first, and its key is part of ours. */
  base?: ImageRecipe;
  /** Everything that defines the image besides its base: versions, scripts, hashes of inputs. */
  definition(env: NodeJS.ProcessEnv): Promise<string[]>;
  /**
   * Slow work that needs no Docker (compiling, downloading), started in the background as soon as
   * the image is known to need a build, so it overlaps the other builds; `build` runs after it.
   */
  prepare?(ctx: PrepareContext): Promise<void>;
  /** Builds the image into Docker, tagged `image` and labelled with `ctx.key`. */
  build(ctx: BuildContext): Promise<void>;
}

/** What a background preparation may use. */
export interface PrepareContext {
  cacheRoot: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The text of a recipe's own module, part of its definition: editing the recipe rebuilds the image. */
export function moduleText(moduleUrl: string): Promise<string> {
  return readFile(fileURLToPath(moduleUrl), 'utf8');
}
