// ensureOfflineNodeImage: the kind node image built on this machine, once per pinned version and
// cached in the kind engine's data-root (labelled with its key). Assembly is what `kind build
// node-image` does internally, without its pulls: start a container from the node base, run
// containerd inside it, import the locally built component images, stop containerd cleanly, and
// commit the container as the node image.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { delay } from '../../../delay.ts';
import type { Status } from '../../../progress/status.ts';
import type { DockerEngine } from '../../host/dockerd.ts';
import { KUBERNETES_VERSION } from '../../versions.ts';
import { ImageBuilder, recipeKey } from '../builder.ts';
import { IMAGE_KEY_LABEL, imageKey } from '../cache.ts';
import { docker, dockerImageId, dockerImageKey, removeReplacedImage, saveImages } from '../docker-cli.ts';
import { nodeBaseRecipe } from './base.ts';
import { ensureNodeBinaries, type NodeBinaries } from './binaries.ts';
import { componentRecipes } from './components.ts';
import { offlineNodeImage } from './names.ts';

/** What building the node image needs. */
export interface OfflineNodeImageOptions {
  engine: DockerEngine;
  cacheRoot: string;
  status: Status;
  /** Capabilities the machine's bounding set lacks (the wrapper inside the node removes them). */
  missingCapabilities: readonly string[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The result: the image to pass to `kind create cluster --image`, and whether it was built now. */
export interface OfflineNodeImage {
  image: string;
  key: string;
  built: boolean;
}

/** Returns the offline node image of the pinned version, building what the cache lacks. */
export async function ensureOfflineNodeImage(options: OfflineNodeImageOptions): Promise<OfflineNodeImage> {
  const env = options.env ?? process.env;
  const image = offlineNodeImage();
  // Filled in once the binaries are built; the recipes read their paths only when building.
  const holder: { binaries?: NodeBinaries } = {};
  const built = () => {
    if (!holder.binaries) throw new Error('node binaries used before they were built');
    return holder.binaries;
  };
  const base = nodeBaseRecipe(`${image}-base`, built, options.missingCapabilities);
  const components = componentRecipes(built);
  const key = imageKey([
    image,
    await recipeKey(base, env),
    ...(await Promise.all(components.map((recipe) => recipeKey(recipe, env)))),
    ASSEMBLY_SCRIPT,
    ...COMMIT_CHANGES,
  ]);
  if ((await dockerImageKey(options.engine, image, options.signal)) === key)
    return { image, key, built: false };

  options.status.info(`Building the offline kind node image ${image} (once per version; cached)`);
  holder.binaries = await ensureNodeBinaries({
    cacheRoot: options.cacheRoot,
    status: options.status,
    env,
    signal: options.signal,
  });
  const builder = new ImageBuilder({
    engine: options.engine,
    cacheRoot: options.cacheRoot,
    status: options.status,
    env,
    signal: options.signal,
  });
  // The base lives only in the kind engine (it is most of the node image); the components are
  // archived, and those the local cluster shares (CoreDNS, pause, busybox) load from its archives.
  await builder.ensureAll([base, ...components]);
  // The image this build replaces (an older key): removed afterwards, or every rebuild would leave
  // about 1.5 GB behind in the cache.
  const replaced = await dockerImageId(options.engine, image, options.signal);
  await options.status.phase(`Assembling ${image} (v${KUBERNETES_VERSION})`, () =>
    assemble(
      options.engine,
      base.image,
      components.map((r) => r.image),
      image,
      key,
      options,
    ),
  );
  if (replaced) await removeReplacedImage(options.engine, replaced, options.signal);
  // What older builds left untagged (an old base is the parent of the old node image, so it could
  // not go before it). The engine is incluster's own: nothing of anyone else's is dangling there.
  await docker(options.engine, ['image', 'prune', '--force'], { signal: options.signal, allowFailure: true });
  return { image, key, built: true };
}

/** The throwaway container's script: containerd in the background, stopped cleanly on TERM. */
const ASSEMBLY_SCRIPT =
  "containerd >/tmp/containerd.log 2>&1 & pid=$!; trap 'kill -TERM $pid; wait $pid; exit 0' TERM; wait $pid";

/** The node image's configuration, set when the assembled container is committed. */
const COMMIT_CHANGES = ['ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]', 'CMD []'];

async function assemble(
  engine: DockerEngine,
  baseImage: string,
  images: readonly string[],
  target: string,
  key: string,
  options: OfflineNodeImageOptions,
): Promise<void> {
  const { signal } = options;
  const name = `incluster-kind-assemble-${key.slice(0, 8)}`;
  await mkdir(join(options.cacheRoot, 'kind'), { recursive: true });
  const workDir = await mkdtemp(join(options.cacheRoot, 'kind', 'assemble-'));
  try {
    options.status.update('docker save the component images');
    await saveImages(engine, images, join(workDir, 'images.tar'), signal);
    await docker(engine, ['rm', '--force', name], { signal, allowFailure: true });
    // /run and /tmp on tmpfs: containerd's socket and log are not committed into the image.
    await docker(
      engine,
      [
        'run',
        '--detach',
        '--name',
        name,
        '--tmpfs',
        '/run',
        '--tmpfs',
        '/tmp',
        '--volume',
        `${workDir}:/import:ro`,
        '--entrypoint',
        '/bin/sh',
        baseImage,
        '-c',
        ASSEMBLY_SCRIPT,
      ],
      { signal },
    );
    const deadline = Date.now() + 60_000;
    while (
      (await docker(engine, ['exec', name, 'ctr', 'version'], { signal, allowFailure: true })).exitCode !== 0
    ) {
      if (Date.now() > deadline)
        throw new Error(`containerd did not start in the assembly container ${name}`);
      await delay(250);
    }
    options.status.update(`ctr images import (${images.length} images)`);
    // Content only: the overlayfs snapshotter cannot unpack on the container's own overlay root;
    // the node's CRI unpacks each image on first use, on the node's /var volume.
    await docker(
      engine,
      ['exec', name, 'ctr', '--namespace', 'k8s.io', 'images', 'import', '--no-unpack', '/import/images.tar'],
      {
        signal,
      },
    );
    const listed = await docker(
      engine,
      ['exec', name, 'ctr', '--namespace', 'k8s.io', 'images', 'list', '--quiet'],
      { signal },
    );
    const held = listed.stdout.split('\n').map((line) => line.trim());
    const missing = images.filter((image) => !held.includes(image));
    if (missing.length > 0) throw new Error(`not imported into the node's containerd: ${missing.join(', ')}`);
    await docker(engine, ['stop', '--time', '30', name], { signal });
    options.status.update('docker commit');
    await docker(
      engine,
      [
        'commit',
        ...[...COMMIT_CHANGES, `LABEL ${IMAGE_KEY_LABEL}=${key}`].flatMap((change) => ['--change', change]),
        name,
        target,
      ],
      { signal },
    );
  } finally {
    await docker(engine, ['rm', '--force', name], { allowFailure: true });
    await rm(workDir, { recursive: true, force: true });
  }
}
