import { describe, expect, test } from 'vitest';
import {
  qualifyImageReference,
  shortImageName,
} from '../../../../../src/cluster/providers/local/images/image-reference.ts';

describe('image references', { tags: ['001-FR-004'] }, () => {
  test.each([
    ['busybox:1.35', 'docker.io/library/busybox:1.35'],
    ['nginx', 'docker.io/library/nginx:latest'],
    ['me/app:1', 'docker.io/me/app:1'],
    ['docker.io/library/node:24-bookworm-slim', 'docker.io/library/node:24-bookworm-slim'],
    ['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost/app:2', 'localhost/app:2'],
    ['ghcr.io/a/b@sha256:abc', 'ghcr.io/a/b@sha256:abc'],
  ])('%s is stored by containerd as %s', (reference, qualified) => {
    expect(qualifyImageReference(reference)).toBe(qualified);
  });

  test('progress lines use the short docker.io form', () => {
    expect(shortImageName('docker.io/library/postgres:15-bookworm')).toBe('postgres:15-bookworm');
    expect(shortImageName('docker.io/me/app:1')).toBe('me/app:1');
    expect(shortImageName('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
  });
});
