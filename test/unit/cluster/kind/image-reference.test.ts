import { describe, expect, test } from 'vitest';
import {
  nodeHasImage,
  normalizeImageReference,
} from '../../../../src/cluster/providers/kind/image-reference.ts';

describe('image references as a node lists them', { tags: ['001-FR-004'] }, () => {
  test.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['postgres:17-alpine', 'docker.io/library/postgres:17-alpine'],
    ['acme/app:1', 'docker.io/acme/app:1'],
    ['ghcr.io/acme/app:1', 'ghcr.io/acme/app:1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost/app:2', 'localhost/app:2'],
    ['registry.k8s.io/pause@sha256:abc', 'registry.k8s.io/pause@sha256:abc'],
  ])('%s → %s', (reference, normalized) => {
    expect(normalizeImageReference(reference)).toBe(normalized);
  });

  test('an image is found by its tag or by its digest, and not by another tag', () => {
    const held = ['docker.io/library/postgres:17', 'docker.io/library/postgres@sha256:abc'];
    expect(nodeHasImage(held, 'postgres:17')).toBe(true);
    expect(nodeHasImage(held, 'postgres@sha256:abc')).toBe(true);
    expect(nodeHasImage(held, 'postgres:17@sha256:abc')).toBe(true);
    expect(nodeHasImage(held, 'postgres:16')).toBe(false);
    expect(nodeHasImage(held, 'postgres')).toBe(false);
  });
});
