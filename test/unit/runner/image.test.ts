import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { imageReference, normalizeImageName } from '../../../src/runner/image.ts';

async function project(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-image-'));
  await mkdir(join(dir, 'testing'));
  await writeFile(join(dir, 'testing/Dockerfile'), 'FROM docker.io/library/node:24-bookworm-slim\n');
  await writeFile(join(dir, 'package.json'), '{}');
  await writeFile(join(dir, 'index.ts'), source);
  return dir;
}

describe('the runner image reference', { tags: ['001-FR-010'] }, () => {
  test('is the repository tagged by the content hash, never :latest', async () => {
    const dir = await project('export {};');
    const options = {
      contextDir: dir,
      dockerfile: join(dir, 'testing/Dockerfile'),
      repository: 'incluster-runner',
      baseImageId: () => Promise.resolve('sha256:base'),
    };
    const { reference, hash } = await imageReference(options);
    expect(reference).toMatch(/^incluster-runner:[0-9a-f]{16}$/);
    expect(reference).toBe(`incluster-runner:${hash.slice(0, 16)}`);
    expect((await imageReference(options)).reference).toBe(reference);
    await writeFile(join(dir, 'index.ts'), 'export const changed = true;');
    expect((await imageReference(options)).reference).not.toBe(reference);
  });

  test('a repository with a tag is refused: the tag is ours', async () => {
    const dir = await project('');
    await expect(
      imageReference({
        contextDir: dir,
        dockerfile: join(dir, 'testing/Dockerfile'),
        repository: 'runner:latest',
        baseImageId: () => Promise.resolve('sha256:base'),
      }),
    ).rejects.toThrow('runner.image must be a repository name without tag or digest');
  });
});

describe('image names as the node reports them', { tags: ['001-FR-011'] }, () => {
  test.each([
    ['incluster-runner:abc', 'docker.io/library/incluster-runner:abc'],
    ['team/runner:abc', 'docker.io/team/runner:abc'],
    ['registry.local:5000/ci/runner:abc', 'registry.local:5000/ci/runner:abc'],
    ['localhost/runner:abc', 'localhost/runner:abc'],
    ['docker.io/library/busybox:1.35', 'docker.io/library/busybox:1.35'],
  ])('%s → %s', (name, normalized) => {
    expect(normalizeImageName(name)).toBe(normalized);
  });
});
