// The one call the local provider makes for images during `up`: every image the cluster needs is
// in its containerd, built on this machine the first time (images/builder.ts) and loaded from the
// cache afterwards. Warm, it only compares cache keys (labels in Docker and containerd) and returns
// in seconds.
import type { Status } from '../../../progress/status.ts';
import type { DockerEngine } from '../../host/dockerd.ts';
import { qualifyImageReference, shortImageName } from '../../image-reference.ts';
import { ImageBuilder, type DockerOutcome } from '../../images/builder.ts';
import { IMAGE_KEY_LABEL } from '../../images/cache.ts';
import { selectRecipes } from '../../images/catalogue.ts';
import { InfrastructureError } from '../../../errors.ts';
import { ensureDockerEngine } from './build-engine.ts';
import {
  importArchiveIntoContainerd,
  labelContainerdImage,
  listContainerdImages,
  verifyImagesInContainerd,
  type ContainerdOptions,
} from './containerd-images.ts';

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
  /** Only these images (names from images/names.ts); default every cluster image. */
  images?: readonly string[];
}

/** What happened to one image. */
export interface ImageOutcome {
  image: string;
  key: string;
  /** The cached `docker save` archive. */
  archive: string;
  docker: DockerOutcome;
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
  const builder = new ImageBuilder({ engine, cacheRoot, env, status, signal });
  const inDocker = await builder.ensureAll(recipes);

  const labelOf = (held: Awaited<ReturnType<typeof listContainerdImages>>, image: string) =>
    held.find((h) => qualifyImageReference(h.name) === qualifyImageReference(image))?.labels[IMAGE_KEY_LABEL];
  const held = await listContainerdImages(containerd);
  const images: ImageOutcome[] = [];
  for (const recipe of recipes) {
    const key = await builder.keyOf(recipe);
    images.push({
      image: recipe.image,
      key,
      archive: await builder.archiveOf(recipe),
      docker: inDocker.get(recipe)!,
      containerd: labelOf(held, recipe.image) === key ? 'present' : 'imported',
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
      const label = labelOf(after, outcome.image);
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

function describe(images: readonly string[]): string {
  return images.length === 1 ? shortImageName(images[0]!) : `${images.length} images`;
}
