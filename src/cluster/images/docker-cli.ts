// The Docker operations image builds need, through the `docker` CLI of a given engine (arguments
// arrays, never a shell).
import { join } from 'node:path';
import { InfrastructureError } from '../../errors.ts';
import { runCommand, type RunOptions, type RunResult } from '../../process/exec.ts';
import type { DockerEngine } from '../host/dockerd.ts';
import { IMAGE_KEY_LABEL } from './cache.ts';

/** Runs `docker args…` against `engine`. */
export function docker(
  engine: DockerEngine,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return runCommand('docker', args, { ...options, env: engine.env });
}

/** The cache key an image in Docker was built with; undefined when Docker lacks the image. */
export async function dockerImageKey(
  engine: DockerEngine,
  image: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const result = await docker(
    engine,
    ['image', 'inspect', '--format', `{{index .Config.Labels "${IMAGE_KEY_LABEL}"}}`, image],
    {
      signal,
      allowFailure: true,
    },
  );
  if (result.exitCode !== 0) return undefined;
  const key = result.stdout.trim();
  // Go templates print `<no value>` for a missing label: an image of that name we did not build.
  return key === '' || key === '<no value>' ? '' : key;
}

/** `tar` arguments that archive a root filesystem for `docker import` (no device nodes, numeric owners). */
export function rootfsTarArgs(rootfsDir: string, archive: string): string[] {
  return [
    '--create',
    '--file',
    archive,
    '--directory',
    rootfsDir,
    '--numeric-owner',
    '--xattrs',
    '--exclude=./dev/*',
    '--exclude=./proc/*',
    '--exclude=./sys/*',
    '.',
  ];
}

/** `docker import` arguments: the image config as `--change` instructions, plus the key label. */
export function dockerImportArgs(
  archive: string,
  image: string,
  key: string,
  changes: readonly string[],
): string[] {
  const all = [...changes, `LABEL ${IMAGE_KEY_LABEL}=${key}`];
  return ['import', ...all.flatMap((change) => ['--change', change]), archive, image];
}

/** `docker build` arguments: legacy builder on the host network (dockerd runs without a bridge). */
export function dockerBuildArgs(contextDir: string, image: string, key: string): string[] {
  return [
    'build',
    '--network=host',
    '--force-rm',
    '--label',
    `${IMAGE_KEY_LABEL}=${key}`,
    '--tag',
    image,
    contextDir,
  ];
}

/** Makes `image` from the directory `rootfsDir` (its whole filesystem), labelled with `key`. */
export async function importRootfs(
  engine: DockerEngine,
  rootfsDir: string,
  image: string,
  key: string,
  changes: readonly string[],
  options: { workDir: string; signal?: AbortSignal },
): Promise<void> {
  const archive = join(options.workDir, 'rootfs.tar');
  await runCommand('tar', rootfsTarArgs(rootfsDir, archive), { signal: options.signal });
  await docker(engine, dockerImportArgs(archive, image, key, changes), { signal: options.signal });
}

/** Runs `docker build` on `contextDir`, reporting each Dockerfile step through `onStep`. */
export async function buildImage(
  engine: DockerEngine,
  contextDir: string,
  image: string,
  key: string,
  options: { signal?: AbortSignal; onStep?: (step: string) => void },
): Promise<void> {
  await docker(engine, dockerBuildArgs(contextDir, image, key), {
    signal: options.signal,
    onLine: (line) => {
      if (/^Step \d+\/\d+ :/.test(line)) options.onStep?.(oneLine(line, 100));
    },
  });
}

/** `text` on one line of at most `max` characters (Dockerfile steps can be long). */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The id of `image` in Docker, or undefined when Docker lacks it. */
export async function dockerImageId(
  engine: DockerEngine,
  image: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const result = await docker(engine, ['image', 'inspect', '--format', '{{.Id}}', image], {
    signal,
    allowFailure: true,
  });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Removes the image `id` if nothing else names it (an older build we replaced); never forces. */
export async function removeReplacedImage(
  engine: DockerEngine,
  id: string,
  signal?: AbortSignal,
): Promise<void> {
  // Fails harmlessly when another tag or a container still uses it.
  await docker(engine, ['image', 'rm', id], { signal, allowFailure: true });
}

/** Writes `images` from Docker to the archive `file` (docker-archive format, names kept). */
export async function saveImages(
  engine: DockerEngine,
  images: readonly string[],
  file: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await docker(engine, ['save', '--output', file, ...images], { signal });
  } catch (error) {
    throw new InfrastructureError('ImageSaveFailed', `docker save ${images.join(' ')} failed`, {
      cause: error,
      hint: 'build the image first (docker build -t NAME …); a name that Docker does not list cannot be loaded',
    });
  }
}

/** Loads a `docker save` archive into Docker. */
export async function loadImages(engine: DockerEngine, file: string, signal?: AbortSignal): Promise<void> {
  await docker(engine, ['load', '--input', file], { signal });
}
