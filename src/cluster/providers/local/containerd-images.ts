// Moving images into the containerd the kubelet uses (namespace k8s.io), and proving they arrived.
// `ctr images import` of a `docker save` archive keeps the names Docker gave (normalised to
// docker.io/library/… for short ones); only OCI layouts without names need --base-name.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import { runCommand } from '../../../process/exec.ts';
import type { Status } from '../../../progress/status.ts';
import { dockerEngineFor, type DockerEngine } from '../../host/dockerd.ts';
import { qualifyImageReference } from '../../image-reference.ts';
import { saveImages } from '../../images/docker-cli.ts';
import { DEFAULT_CONTAINERD_SOCKET } from './build-engine.ts';

/** The namespace the CRI plugin (and so the kubelet) reads images from. */
const KUBERNETES_NAMESPACE = 'k8s.io';

/** Which containerd (socket, namespace) an operation addresses. */
export interface ContainerdOptions {
  /** containerd's socket (default /run/containerd/containerd.sock). */
  containerdSocket?: string;
  /** containerd namespace (default k8s.io). */
  namespace?: string;
  status?: Status;
  signal?: AbortSignal;
}

/** importImagesIntoContainerd's options: the containerd, and the Docker engine to save from. */
export interface ImportOptions extends ContainerdOptions {
  /** Engine to `docker save` from (default: the one DOCKER_HOST names, or the default socket). */
  docker?: DockerEngine;
  env?: NodeJS.ProcessEnv;
}

/** containerd's record of one image: its name and labels. */
export interface ContainerdImage {
  name: string;
  labels: Record<string, string>;
  /** The manifest digest the name points at (the CRI adds `sha256:<config>` names for the same one). */
  digest: string;
}

/** `ctr` arguments addressing `socket` and `namespace`. */
export function ctrArgs(socket: string, namespace: string, args: readonly string[]): string[] {
  return ['--address', socket, '--namespace', namespace, ...args];
}

/** Parses `ctr images ls` (REF TYPE DIGEST SIZE PLATFORMS LABELS; SIZE holds a space, LABELS is last). */
export function parseCtrImageList(stdout: string): ContainerdImage[] {
  const images: ContainerdImage[] = [];
  for (const line of stdout.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 2 || !fields[0]) continue;
    const labels: Record<string, string> = {};
    const last = fields.at(-1) ?? '-';
    if (last !== '-' && fields.length >= 6) {
      for (const pair of last.split(',')) {
        const eq = pair.indexOf('=');
        if (eq > 0) labels[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
    }
    images.push({ name: fields[0], labels, digest: fields[2] ?? '' });
  }
  return images;
}

/** The images containerd holds in the namespace. */
export async function listContainerdImages(options: ContainerdOptions = {}): Promise<ContainerdImage[]> {
  const result = await runCommand('ctr', ctrArgs(socketOf(options), namespaceOf(options), ['images', 'ls']), {
    signal: options.signal,
  });
  return parseCtrImageList(result.stdout);
}

/**
 * The names to remove so that only `keep` (and the other names of the same images) remain: every
 * name, the CRI's `sha256:` ones included, whose manifest none of `keep` shares.
 */
export function namesToPrune(held: readonly ContainerdImage[], keep: readonly string[]): string[] {
  const wanted = new Set(keep.map(qualifyImageReference));
  const kept = new Set(
    held.filter((image) => wanted.has(qualifyImageReference(image.name))).map((i) => i.digest),
  );
  return held.filter((image) => !kept.has(image.digest)).map((image) => image.name);
}

/** Removes every image but `keep` from the namespace; containerd then collects their content. */
export async function pruneContainerdImages(
  keep: readonly string[],
  options: ContainerdOptions = {},
): Promise<string[]> {
  const names = namesToPrune(await listContainerdImages(options), keep);
  if (names.length > 0)
    await runCommand('ctr', ctrArgs(socketOf(options), namespaceOf(options), ['images', 'rm', ...names]), {
      signal: options.signal,
    });
  return names;
}

/** Imports a `docker save` archive into containerd (unpacked, ready for the kubelet). */
export async function importArchiveIntoContainerd(
  archive: string,
  options: ContainerdOptions = {},
): Promise<void> {
  await runCommand('ctr', ctrArgs(socketOf(options), namespaceOf(options), ['images', 'import', archive]), {
    signal: options.signal,
  });
}

/** Sets labels on containerd's record of `image` (our cache key, so a later run knows what it holds). */
export async function labelContainerdImage(
  image: string,
  labels: Record<string, string>,
  options: ContainerdOptions = {},
): Promise<void> {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  await runCommand(
    'ctr',
    ctrArgs(socketOf(options), namespaceOf(options), [
      'images',
      'label',
      qualifyImageReference(image),
      ...pairs,
    ]),
    {
      signal: options.signal,
    },
  );
}

/** The images among `wanted` that containerd does not hold. */
export function missingImages(held: readonly ContainerdImage[], wanted: readonly string[]): string[] {
  const names = new Set(held.map((image) => qualifyImageReference(image.name)));
  return wanted.filter((image) => !names.has(qualifyImageReference(image)));
}

/** Throws an InfrastructureError naming every image of `wanted` that containerd does not hold. */
export async function verifyImagesInContainerd(
  wanted: readonly string[],
  options: ContainerdOptions = {},
): Promise<void> {
  const missing = missingImages(await listContainerdImages(options), wanted);
  if (missing.length > 0) {
    throw new InfrastructureError(
      'ImageMissing',
      `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in containerd (${socketOf(options)}, namespace ${namespaceOf(options)}) after the import`,
    );
  }
}

/** Copies images from the local Docker engine into the cluster's containerd, then verifies each is there. */
export async function importImagesIntoContainerd(
  images: readonly string[],
  options: ImportOptions = {},
): Promise<void> {
  if (images.length === 0) return;
  const engine = options.docker ?? dockerEngineFor(options.env);
  const work = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-images-'));
    try {
      const archive = join(dir, 'images.tar');
      await saveImages(engine, images, archive, options.signal);
      await importArchiveIntoContainerd(archive, options);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await verifyImagesInContainerd(images, options);
  };
  const what = images.length === 1 ? images[0]! : `${images.length} images`;
  if (options.status) await options.status.phase(`Loading ${what} into containerd`, work);
  else await work();
}

function socketOf(options: ContainerdOptions): string {
  return options.containerdSocket ?? DEFAULT_CONTAINERD_SOCKET;
}

function namespaceOf(options: ContainerdOptions): string {
  return options.namespace ?? KUBERNETES_NAMESPACE;
}
