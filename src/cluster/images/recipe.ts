// What an image build is: everything the image is made of (its key), an optional base image built
// first, and a build that leaves the image tagged and labelled in a Docker engine.
import type { DockerEngine } from '../host/dockerd.ts';

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
  /**
   * Everything the image is made of besides its base: its Dockerfile, scripts, versions, the
   * build inputs of the programs it carries, hashes of files it copies. Its hash is the image's
   * cache key, so it names the content, never the code that describes it: the same image has the
   * same key from incluster's sources and from its built package.
   */
  definition(env: NodeJS.ProcessEnv): string[] | Promise<string[]>;
  /**
   * Slow work that needs no Docker (compiling, downloading), started in the background as soon as
   * the image is known to need a build, so it overlaps the other builds; `build` runs after it.
   */
  prepare?(ctx: PrepareContext): Promise<void>;
  /** Builds the image into Docker, tagged `image` and labelled with `ctx.key`. */
  build(ctx: BuildContext): Promise<void>;
  /**
   * False for an image kept only in the engine that built it (a large base that is rebuilt when
   * that engine loses it); others are saved to the cache's archives and loaded from there.
   */
  archive?: boolean;
}

/** What a background preparation may use. */
export interface PrepareContext {
  cacheRoot: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}
