// The cache of built images: one `docker save` archive per image and cache key, so a warm machine
// loads an image instead of building it again. The key is a hash of everything the image is made
// of, so changing any of it builds a new one, and an archive stays until `incluster cache prune`
// removes it or the cache outgrows its bound: two projects on one machine that pin different
// incluster versions each find their own images there.
import { readdir, stat, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { cacheKey } from '../cache.ts';

/** Label carried by every image we build (in Docker's config, and on containerd's image record). */
export const IMAGE_KEY_LABEL = 'io.incluster.image-key';

/** The environment variable that bounds the archives' total size. */
export const IMAGE_CACHE_LIMIT_ENV = 'INCLUSTER_IMAGE_CACHE_LIMIT';

/** The bound when INCLUSTER_IMAGE_CACHE_LIMIT is unset: a few versions of every image. */
export const DEFAULT_IMAGE_CACHE_LIMIT = 10 * 1024 ** 3;

/** The key of an image from its parts (name, base key, definition); order matters. */
export function imageKey(parts: readonly string[]): string {
  return cacheKey(parts);
}

/** An image reference as a file name: `registry.k8s.io/pause:3.10` → `registry.k8s.io_pause_3.10`. */
export function safeImageName(image: string): string {
  return image.replace(/[^\w.-]+/g, '_');
}

/** Directory holding the cached archives. */
export function imageCacheDir(cacheRoot: string): string {
  return join(cacheRoot, 'images');
}

/** Where the archive of `image` built with `key` is cached. */
export function imageArchivePath(cacheRoot: string, image: string, key: string): string {
  return join(imageCacheDir(cacheRoot), `${safeImageName(image)}-${key}.tar`);
}

/** True when `fileName` is an archive of `image` (any key). */
export function isArchiveOf(fileName: string, image: string): boolean {
  const prefix = `${safeImageName(image)}-`;
  return fileName.startsWith(prefix) && /^[0-9a-f]{16}\.tar$/.test(fileName.slice(prefix.length));
}

/** One archive in the cache. */
export interface CachedArchive {
  path: string;
  bytes: number;
  /** When a build last used it (written, loaded, or found current): its modification time. */
  usedMs: number;
}

/** Every archive in the cache (and the leftovers of interrupted saves), oldest use first. */
export async function listArchives(cacheRoot: string): Promise<CachedArchive[]> {
  const dir = imageCacheDir(cacheRoot);
  const names = await readdir(dir).catch(() => [] as string[]);
  const archives: CachedArchive[] = [];
  for (const name of names) {
    if (!/-[0-9a-f]{16}\.tar(\.partial-\d+)?$/.test(name)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) archives.push({ path: join(dir, name), bytes: info.size, usedMs: info.mtimeMs });
  }
  return archives.sort((a, b) => a.usedMs - b.usedMs);
}

/** Marks an archive as used now, so the size bound removes it last. */
export async function touchArchive(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

/**
 * The archives' bound in bytes: $INCLUSTER_IMAGE_CACHE_LIMIT (`20GiB`, `500MiB`, `0`; `none` for
 * no bound), else 10 GiB. A value that cannot be read is a usage error naming it.
 */
export function imageCacheLimit(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[IMAGE_CACHE_LIMIT_ENV]?.trim();
  if (text === undefined || text === '') return DEFAULT_IMAGE_CACHE_LIMIT;
  if (text === 'none') return Number.POSITIVE_INFINITY;
  const bytes = parseSize(text);
  if (bytes === undefined)
    throw new UsageError(
      `${IMAGE_CACHE_LIMIT_ENV} must be a size such as 20GiB, 500MiB or 0 (or none), got \`${text}\``,
    );
  return bytes;
}

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1024,
  KiB: 1024,
  M: 1024 ** 2,
  MiB: 1024 ** 2,
  G: 1024 ** 3,
  GiB: 1024 ** 3,
  T: 1024 ** 4,
  TiB: 1024 ** 4,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

/** `20GiB` → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text);
  const unit = match ? UNITS[match[2]!] : undefined;
  return match && unit !== undefined ? Math.round(Number(match[1]) * unit) : undefined;
}

/**
 * Removes the least recently used archives until the cache fits `limit`, never one of `keep` (the
 * archives of the images a build just ensured). Returns the removed archives.
 */
export async function boundImageCache(
  cacheRoot: string,
  limit: number,
  keep: ReadonlySet<string>,
): Promise<CachedArchive[]> {
  const archives = await listArchives(cacheRoot);
  let total = archives.reduce((sum, archive) => sum + archive.bytes, 0);
  const removed: CachedArchive[] = [];
  for (const archive of archives) {
    if (total <= limit) break;
    if (keep.has(archive.path)) continue;
    await rm(archive.path, { force: true });
    total -= archive.bytes;
    removed.push(archive);
  }
  return removed;
}
