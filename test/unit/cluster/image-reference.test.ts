import { describe, expect, test } from 'vitest';
import { nodeHasImage, qualifyImageReference, shortImageName } from '../../../src/cluster/image-reference.ts';

describe('image references as a node stores them', { tags: ['001-FR-004'] }, () => {
  test.each([
    ['busybox:1.35', 'docker.io/library/busybox:1.35'],
    ['nginx', 'docker.io/library/nginx:latest'],
    ['postgres:17-alpine', 'docker.io/library/postgres:17-alpine'],
    ['acme/app:1', 'docker.io/acme/app:1'],
    ['docker.io/library/node:24-bookworm-slim', 'docker.io/library/node:24-bookworm-slim'],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10'],
    ['ghcr.io/acme/app:1', 'ghcr.io/acme/app:1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost/app:2', 'localhost/app:2'],
    ['registry.k8s.io/pause@sha256:abc', 'registry.k8s.io/pause@sha256:abc'],
  ])('%s is stored as %s', (reference, qualified) => {
    expect(qualifyImageReference(reference)).toBe(qualified);
  });

  test('an image is found by its tag or by its digest, and not by another tag', () => {
    const held = ['docker.io/library/postgres:17', 'docker.io/library/postgres@sha256:abc'];
    expect(nodeHasImage(held, 'postgres:17')).toBe(true);
    expect(nodeHasImage(held, 'postgres@sha256:abc')).toBe(true);
    expect(nodeHasImage(held, 'postgres:17@sha256:abc')).toBe(true);
    expect(nodeHasImage(held, 'postgres:16')).toBe(false);
    expect(nodeHasImage(held, 'postgres')).toBe(false);
  });

  test('progress lines use the short docker.io form', () => {
    expect(shortImageName('docker.io/library/postgres:15-bookworm')).toBe('postgres:15-bookworm');
    expect(shortImageName('docker.io/me/app:1')).toBe('me/app:1');
    expect(shortImageName('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
  });
});
