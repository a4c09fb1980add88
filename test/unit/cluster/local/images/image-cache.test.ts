import { describe, expect, test } from 'vitest';
import {
  imageArchivePath,
  imageKey,
  isArchiveOf,
  safeImageName,
} from '../../../../../src/cluster/providers/local/images/image-cache.ts';

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
