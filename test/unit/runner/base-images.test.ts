// The runner image's tag must change when a base image changes under an unchanged Dockerfile: the
// FROM lines are read (ARGs, stages and all) and each base image's ID goes into the content hash.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { baseImageIds, baseImages, rememberLookups } from '../../../src/runner/base-images.ts';
import { dependencyKey, imageReference } from '../../../src/runner/image.ts';

describe('base images of a Dockerfile', { tags: ['001-FR-010'] }, () => {
  test('global ARG defaults, build arguments, stages, scratch, flags and continuations', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1',
      'ARG BASE_IMAGE=docker.io/library/node:24-bookworm-slim',
      'ARG TOOLS="busybox:1.35"',
      'FROM ${BASE_IMAGE} AS deps',
      'ARG BASE_IMAGE=ignored-after-from',
      'RUN npm ci',
      'FROM --platform=linux/amd64 $TOOLS AS tools',
      'FROM deps AS runtime',
      'COPY --from=tools /bin/sh /bin/sh',
      'FROM \\',
      '  ${MISSING:-postgres:15-bookworm}',
      'FROM scratch',
      'FROM ${BASE_IMAGE}',
    ].join('\n');
    expect(baseImages(dockerfile)).toEqual([
      'docker.io/library/node:24-bookworm-slim',
      'busybox:1.35',
      'postgres:15-bookworm',
    ]);
    expect(baseImages(dockerfile, { BASE_IMAGE: 'node:22' })[0]).toBe('node:22');
  });

  test('each base is given with its ID, or absent when the engine lacks it or does not answer', async () => {
    const ids: Record<string, string> = { 'a:1': 'sha256:aaa' };
    const lookup = (ref: string) =>
      ref === 'broken:1' ? Promise.reject(new Error('engine down')) : Promise.resolve(ids[ref]);
    expect(await baseImageIds(['a:1', 'b:1', 'broken:1'], lookup)).toEqual([
      'a:1=sha256:aaa',
      'b:1=absent',
      'broken:1=absent',
    ]);
  });
});

describe('the runner image tag follows its base image', { tags: ['001-FR-010'] }, () => {
  test('a rebuilt base image changes the tag and the dependency key; the same base does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-base-'));
    await mkdir(join(dir, 'testing'));
    await writeFile(join(dir, 'testing/Dockerfile'), 'ARG BASE=node:24-bookworm-slim\nFROM ${BASE}\n');
    await writeFile(join(dir, 'package.json'), '{}');
    let baseId = 'sha256:old';
    const options = {
      contextDir: dir,
      dockerfile: join(dir, 'testing/Dockerfile'),
      repository: 'incluster-runner',
      buildArgs: { EXTRA_CA_CERTS: '' },
      baseImageId: (ref: string) => Promise.resolve(ref === 'node:24-bookworm-slim' ? baseId : undefined),
    };
    const before = await imageReference(options);
    const keyBefore = await dependencyKey(options);
    expect((await imageReference(options)).reference).toBe(before.reference);
    baseId = 'sha256:new';
    expect((await imageReference(options)).reference).not.toBe(before.reference);
    expect(await dependencyKey(options)).not.toBe(keyBefore);
  });
});

describe('the dependency key', { tags: ['001-FR-010'] }, () => {
  test.each(['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'uv.lock'])(
    'changes with %s, so a sync never runs new sources on stale dependencies',
    async (lockfile) => {
      const dir = await mkdtemp(join(tmpdir(), 'incluster-deps-'));
      await mkdir(join(dir, 'testing'));
      await writeFile(join(dir, 'testing/Dockerfile'), 'FROM node:24-bookworm-slim\n');
      await writeFile(join(dir, 'package.json'), '{}');
      const options = {
        contextDir: dir,
        dockerfile: join(dir, 'testing/Dockerfile'),
        repository: 'incluster-runner',
        buildArgs: { EXTRA_CA_CERTS: '' },
        baseImageId: () => Promise.resolve('sha256:base'),
      };
      await writeFile(join(dir, lockfile), 'one\n');
      const before = await dependencyKey(options);
      await writeFile(join(dir, 'src.ts'), 'export {};\n');
      expect(await dependencyKey(options)).toBe(before);
      await writeFile(join(dir, lockfile), 'two\n');
      expect(await dependencyKey(options)).not.toBe(before);
    },
  );
});

describe('base image lookups within one run', { tags: ['001-FR-010'] }, () => {
  test('each reference is looked up once', async () => {
    const asked: string[] = [];
    const lookup = rememberLookups((ref) => {
      asked.push(ref);
      return Promise.resolve(`sha256:${ref}`);
    });
    expect(await lookup('a:1')).toBe('sha256:a:1');
    expect(await lookup('a:1')).toBe('sha256:a:1');
    expect(await lookup('b:1')).toBe('sha256:b:1');
    expect(asked).toEqual(['a:1', 'b:1']);
  });
});
