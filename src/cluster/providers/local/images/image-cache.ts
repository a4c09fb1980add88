// The cache of built images: one `docker save` archive per image and cache key, so a warm machine
// loads an image instead of building it again. The key is a hash of everything that defines the
// image (versions, build scripts, inputs), so changing any of them builds a new one.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Label carried by every image we build (in Docker's config, and on containerd's image record). */
export const IMAGE_KEY_LABEL = 'io.incluster.image-key';

/** A short stable hash of the parts that define an image; order matters. */
export function imageKey(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    // Length-prefixed, so ['ab', 'c'] and ['a', 'bc'] differ.
    hash.update(`${Buffer.byteLength(part)}:`);
    hash.update(part);
  }
  return hash.digest('hex').slice(0, 16);
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

/** True when `fileName` is an archive of `image` (any key), so stale ones can be pruned. */
export function isArchiveOf(fileName: string, image: string): boolean {
  const prefix = `${safeImageName(image)}-`;
  return fileName.startsWith(prefix) && /^[0-9a-f]{16}\.tar$/.test(fileName.slice(prefix.length));
}
