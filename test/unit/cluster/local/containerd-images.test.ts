import { describe, expect, test } from 'vitest';
import {
  ctrArgs,
  missingImages,
  namesToPrune,
  parseCtrImageList,
} from '../../../../src/cluster/providers/local/containerd-images.ts';

// Captured from `ctr images ls` (containerd 1.6.20): SIZE contains a space, LABELS is the last column.
const LISTING = `REF                                     TYPE                                                 DIGEST                                                                  SIZE      PLATFORMS   LABELS
docker.io/library/busybox:1.35          application/vnd.docker.distribution.manifest.v2+json sha256:4c0647c29bd8700e3a063442bd7d298838f81e5183bad61da507bd8a66a1c0ee 2.3 MiB   linux/amd64 io.incluster.image-key=2e2aeb414906d733
registry.k8s.io/pause:3.10              application/vnd.docker.distribution.manifest.v2+json sha256:45b44a4cd53a57b881c0d258ecc5382b4262a04b267f59d1be2b9d7783e49d6d 681.3 KiB linux/amd64 io.incluster.image-key=9aa4e01cff982c8b,other=x
example.com/app:1                       application/vnd.docker.distribution.manifest.v2+json sha256:aa219c53336c63ee18f0e423840c902fc2755eb26be07ccc9fc651c1062e5a33 67.6 MiB  linux/amd64 -
`;

describe('containerd images', { tags: ['001-FR-004', '001-FR-011'] }, () => {
  test('the listing gives each image with its labels', () => {
    expect(parseCtrImageList(LISTING)).toEqual([
      {
        name: 'docker.io/library/busybox:1.35',
        labels: { 'io.incluster.image-key': '2e2aeb414906d733' },
        digest: 'sha256:4c0647c29bd8700e3a063442bd7d298838f81e5183bad61da507bd8a66a1c0ee',
      },
      {
        name: 'registry.k8s.io/pause:3.10',
        labels: { 'io.incluster.image-key': '9aa4e01cff982c8b', other: 'x' },
        digest: 'sha256:45b44a4cd53a57b881c0d258ecc5382b4262a04b267f59d1be2b9d7783e49d6d',
      },
      {
        name: 'example.com/app:1',
        labels: {},
        digest: 'sha256:aa219c53336c63ee18f0e423840c902fc2755eb26be07ccc9fc651c1062e5a33',
      },
    ]);
    expect(parseCtrImageList('REF TYPE DIGEST SIZE PLATFORMS LABELS\n')).toEqual([]);
  });

  test('pruning keeps the wanted images under every name, and removes the rest under every name', () => {
    const held = [
      { name: 'docker.io/library/busybox:1.35', labels: {}, digest: 'sha256:b' },
      { name: 'sha256:config-of-busybox', labels: {}, digest: 'sha256:b' },
      { name: 'docker.io/library/incluster-runner:1234', labels: {}, digest: 'sha256:r' },
      { name: 'sha256:config-of-runner', labels: {}, digest: 'sha256:r' },
    ];
    expect(namesToPrune(held, ['busybox:1.35', 'docker.io/library/python:3.11-slim-bookworm'])).toEqual([
      'docker.io/library/incluster-runner:1234',
      'sha256:config-of-runner',
    ]);
    expect(namesToPrune(held, [])).toHaveLength(4);
  });

  test('missing images are named, short names compared in their qualified form', () => {
    const held = parseCtrImageList(LISTING);
    expect(missingImages(held, ['busybox:1.35', 'registry.k8s.io/pause:3.10'])).toEqual([]);
    expect(missingImages(held, ['busybox:1.36', 'example.com/app:1', 'node:24'])).toEqual([
      'busybox:1.36',
      'node:24',
    ]);
  });

  test('ctr addresses the given socket and namespace', () => {
    expect(ctrArgs('/run/x.sock', 'k8s.io', ['images', 'ls'])).toEqual([
      '--address',
      '/run/x.sock',
      '--namespace',
      'k8s.io',
      'images',
      'ls',
    ]);
  });
});
