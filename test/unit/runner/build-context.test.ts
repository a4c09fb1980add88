import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { contentHash, contextEntries, DockerIgnore } from '../../../src/runner/build-context.ts';

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-ctx-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

const hashOf = async (dir: string, dockerfile = 'FROM x', args: Record<string, string> = {}) =>
  contentHash(await contextEntries(dir), dockerfile, args);

describe('.dockerignore', { tags: ['001-FR-010'] }, () => {
  test('follows Docker: root-relative patterns, ** anywhere, parents exclude children, ! re-includes', () => {
    const ignore = new DockerIgnore('# comment\nnode_modules\n**/*.log\n/dist/\ndocs\n!docs/keep.md\n');
    expect(ignore.ignores('node_modules/pg/index.js')).toBe(true);
    expect(ignore.ignores('packages/a/node_modules/x.js')).toBe(false);
    expect(ignore.ignores('a/b/debug.log')).toBe(true);
    expect(ignore.ignores('dist/index.js')).toBe(true);
    expect(ignore.ignores('docs/other.md')).toBe(true);
    expect(ignore.ignores('docs/keep.md')).toBe(false);
    expect(ignore.ignores('src/index.ts')).toBe(false);
    expect(ignore.prunes('docs')).toBe(false); // an exception exists, so the walk must look inside
  });
});

describe('the content hash', { tags: ['001-FR-010'] }, () => {
  const files = {
    'package.json': '{"name":"x"}',
    'package-lock.json': '{"lockfileVersion":3}',
    'src/index.ts': 'export {};',
    '.dockerignore': 'node_modules\ntest-results\n',
    'node_modules/pg/index.js': 'v1',
    'test-results/run/junit.xml': '<x/>',
  };

  test('is stable for an unchanged tree and ignores what Docker would not be sent', async () => {
    const a = await tree(files);
    const b = await tree({ ...files, 'node_modules/pg/index.js': 'v2', 'test-results/other.xml': '<y/>' });
    expect(await hashOf(a)).toBe(await hashOf(a));
    expect(await hashOf(b)).toBe(await hashOf(a));
  });

  test('changes with a source, the lockfile, the Dockerfile, a build argument or an executable bit', async () => {
    const base = await hashOf(await tree(files));
    const variants = [
      await hashOf(await tree({ ...files, 'src/index.ts': 'export const x = 1;' })),
      await hashOf(await tree({ ...files, 'package-lock.json': '{"lockfileVersion":3,"x":1}' })),
      await hashOf(await tree({ ...files, 'src/new.ts': '' })),
      await hashOf(await tree(files), 'FROM y'),
      await hashOf(await tree(files), 'FROM x', { BASE_IMAGE: 'node:24' }),
    ];
    const executable = await tree(files);
    await chmod(join(executable, 'src/index.ts'), 0o755);
    variants.push(await hashOf(executable));
    for (const variant of variants) expect(variant).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });

  test('lists the context files, sorted, without the ignored ones', async () => {
    const entries = await contextEntries(await tree(files));
    expect(entries.map((e) => e.path)).toEqual([
      '.dockerignore',
      'package-lock.json',
      'package.json',
      'src/index.ts',
    ]);
  });
});

describe('the synced sources', { tags: ['001-FR-010'] }, () => {
  test('are the build context without node_modules or a virtualenv, as a tar', async () => {
    const { packSources } = await import('../../../src/runner/sources.ts');
    const { extract } = await import('tar-stream');
    const dir = await tree({
      'src/a.ts': 'a',
      '.dockerignore': 'ignored\n',
      'ignored/x': 'x',
      'pkg/node_modules/m.js': 'm',
      '.venv/bin/python': 'p',
    });
    const archive = await packSources(dir);
    const names: string[] = [];
    const reader = extract();
    reader.on('entry', (header, stream, next) => {
      names.push(header.name);
      stream.on('end', next);
      stream.resume();
    });
    await new Promise<void>((resolve) => {
      reader.on('finish', () => resolve());
      reader.end(archive);
    });
    expect(names.sort()).toEqual(['.dockerignore', 'src/a.ts']);
  });

  test('replace everything in the pod but what the image installed', { tags: ['001-FR-112'] }, async () => {
    const { SYNC_SCRIPT } = await import('../../../src/runner/sources.ts');
    expect(SYNC_SCRIPT).toContain(
      'find . -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .venv -exec rm -rf {} +',
    );
  });
});
