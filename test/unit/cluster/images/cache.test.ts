import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  boundImageCache,
  DEFAULT_IMAGE_CACHE_LIMIT,
  imageArchivePath,
  imageCacheDir,
  imageCacheLimit,
  imageKey,
  isArchiveOf,
  listArchives,
  parseSize,
  safeImageName,
  touchArchive,
} from '../../../../src/cluster/images/cache.ts';
import { UsageError } from '../../../../src/errors.ts';

describe('image cache', { tags: ['001-FR-009'] }, () => {
  test('the key is a stable 16-hex hash that changes with any part and with part boundaries', () => {
    const key = imageKey(['registry.k8s.io/pause:3.10', 'source v1']);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(imageKey(['registry.k8s.io/pause:3.10', 'source v1'])).toBe(key);
    expect(imageKey(['registry.k8s.io/pause:3.10', 'source v2'])).not.toBe(key);
    expect(imageKey(['ab', 'c'])).not.toBe(imageKey(['a', 'bc']));
  });

  test('archive names are file-safe and keyed', () => {
    expect(safeImageName('registry.k8s.io/coredns/coredns:v1.11.4')).toBe(
      'registry.k8s.io_coredns_coredns_v1.11.4',
    );
    expect(imageArchivePath('/c', 'docker.io/library/node:24-bookworm-slim', '0123456789abcdef')).toBe(
      '/c/images/docker.io_library_node_24-bookworm-slim-0123456789abcdef.tar',
    );
  });

  test('stale archives of the same image are recognised, other images are not', () => {
    const image = 'docker.io/library/busybox:1.35';
    expect(isArchiveOf('docker.io_library_busybox_1.35-0123456789abcdef.tar', image)).toBe(true);
    expect(isArchiveOf('docker.io_library_busybox_1.35-0123456789abcdef.tar.partial-12', image)).toBe(false);
    expect(isArchiveOf('docker.io_library_busybox_1.36-0123456789abcdef.tar', image)).toBe(false);
    expect(isArchiveOf('docker.io_library_busybox_1.35-extra-0123456789abcdef.tar', image)).toBe(false);
  });
});

describe('the image cache keeps several versions within a bound', { tags: ['001-FR-151'] }, () => {
  /** A cache with archives of `sizes` bytes, the first used longest ago. */
  async function cacheWith(sizes: number[]): Promise<{ root: string; paths: string[] }> {
    const root = await mkdtemp(join(tmpdir(), 'incluster-image-cache-'));
    await mkdir(imageCacheDir(root));
    const paths: string[] = [];
    for (const [index, size] of sizes.entries()) {
      const path = imageArchivePath(root, `docker.io/library/img${index}:1`, `${index}`.padStart(16, '0'));
      await writeFile(path, Buffer.alloc(size));
      const used = new Date(Date.UTC(2026, 0, 1, 0, index));
      await utimes(path, used, used);
      paths.push(path);
    }
    return { root, paths };
  }

  test('the least recently used archives go first, never the ones in use, until the cache fits', async () => {
    const { root, paths } = await cacheWith([100, 100, 100, 100]);
    const removed = await boundImageCache(root, 250, new Set([paths[0]!]));
    expect(removed.map((archive) => archive.path)).toEqual([paths[1], paths[2]]);
    expect((await listArchives(root)).map((archive) => archive.path)).toEqual([paths[0], paths[3]]);
    // Using an archive makes it the most recent.
    await touchArchive(paths[0]!);
    expect((await listArchives(root)).at(-1)?.path).toBe(paths[0]);
  });

  test('a cache within its bound keeps every version', async () => {
    const { root } = await cacheWith([100, 100]);
    expect(await boundImageCache(root, 200, new Set())).toEqual([]);
    expect(await listArchives(root)).toHaveLength(2);
  });

  test('the bound is read from INCLUSTER_IMAGE_CACHE_LIMIT; a value that is not a size is refused', () => {
    expect(imageCacheLimit({})).toBe(DEFAULT_IMAGE_CACHE_LIMIT);
    expect(DEFAULT_IMAGE_CACHE_LIMIT).toBe(10 * 1024 ** 3);
    expect(imageCacheLimit({ INCLUSTER_IMAGE_CACHE_LIMIT: '20GiB' })).toBe(20 * 1024 ** 3);
    expect(imageCacheLimit({ INCLUSTER_IMAGE_CACHE_LIMIT: '500MB' })).toBe(500_000_000);
    expect(imageCacheLimit({ INCLUSTER_IMAGE_CACHE_LIMIT: '0' })).toBe(0);
    expect(imageCacheLimit({ INCLUSTER_IMAGE_CACHE_LIMIT: 'none' })).toBe(Number.POSITIVE_INFINITY);
    expect(() => imageCacheLimit({ INCLUSTER_IMAGE_CACHE_LIMIT: 'lots' })).toThrow(UsageError);
    expect(() => imageCacheLimit({ INCLUSTER_IMAGE_CACHE_LIMIT: '10 parsecs' })).toThrow(
      /INCLUSTER_IMAGE_CACHE_LIMIT must be a size such as 20GiB, 500MiB or 0 \(or none\), got `10 parsecs`/,
    );
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
  });
});
