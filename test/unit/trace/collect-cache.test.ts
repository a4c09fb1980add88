// The collection cache: an unchanged file is reused, and any change that could alter what a file
// declares (its own text, a helper it imports, even transitively, the collector itself) is not.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { collectTests } from '../../../src/trace/collect/collect.ts';
import type { Collection } from '../../../src/trace/collect/collection.ts';
import { CollectionCache } from '../../../src/trace/collect/cache.ts';
import { makeProject, cli, spec } from './temp-project.ts';

const CACHE_FILE = 'node_modules/.cache/incluster/trace-collection.json';

/** A project whose test takes its tags from a helper, which takes them from another. */
async function projectWithHelpers(): Promise<string> {
  const root = await makeProject({
    'node_modules/.keep': '',
    'test/ids.ts': "export const BASE = '001-FR-001';\n",
    'test/tags.ts': "import { BASE } from './ids.ts';\nexport const TAGS = [BASE];\n",
    'test/a.test.ts':
      "import { test } from 'vitest';\nimport { TAGS } from './tags.ts';\ntest('a', { tags: TAGS }, () => {});\n",
    'test/b.test.ts': "import { test } from 'vitest';\ntest('b', { tags: ['001-FR-002'] }, () => {});\n",
  });
  return root;
}

function collect(root: string): Collection {
  return collectTests({ root, cache: true });
}

function withoutReuse(collection: Collection): Omit<Collection, 'reused'> {
  const { reused: _reused, ...rest } = collection;
  return rest;
}

describe('the collection cache', { tags: ['001-FR-032'] }, () => {
  test('a second collection reuses every unchanged file and returns the same tests', async () => {
    const root = await projectWithHelpers();
    const first = collect(root);
    expect(first.reused).toBe(0);
    expect(existsSync(join(root, CACHE_FILE))).toBe(true);
    const second = collect(root);
    expect(second.reused).toBe(2);
    expect(withoutReuse(second)).toEqual(withoutReuse(first));
    expect(withoutReuse(second)).toEqual(withoutReuse(collectTests({ root })));
  });

  test('a changed test file is parsed again, the others are reused', async () => {
    const root = await projectWithHelpers();
    collect(root);
    await writeFile(
      join(root, 'test/b.test.ts'),
      "import { test } from 'vitest';\ntest('b renamed', { tags: ['001-FR-003'] }, () => {});\n",
    );
    const after = collect(root);
    expect(after.reused).toBe(1);
    expect(after.tests.find((t) => t.file === 'test/b.test.ts')).toMatchObject({
      name: 'b renamed',
      tags: ['001-FR-003'],
    });
  });

  test('a change two imports away (a constant the helper re-uses) invalidates the test file', async () => {
    const root = await projectWithHelpers();
    expect(collect(root).tests.find((t) => t.name === 'a')!.tags).toEqual(['001-FR-001']);
    await writeFile(join(root, 'test/ids.ts'), "export const BASE = '001-FR-009';\n");
    const after = collect(root);
    expect(after.reused).toBe(1); // b.test.ts imports no helper
    expect(after.tests.find((t) => t.name === 'a')!.tags).toEqual(['001-FR-009']);
  });

  test('a deleted helper is a miss, and the problem it causes is reported, not a stale answer', async () => {
    const root = await projectWithHelpers();
    collect(root);
    await rm(join(root, 'test/ids.ts'));
    const after = collect(root);
    expect(after.reused).toBe(1);
    expect(after.problems.map((p) => [p.file, p.message])).toEqual([
      ['test/a.test.ts', expect.stringMatching(/cannot resolve/) as string],
    ]);
    // Not cached while an import is unresolved: creating the file again must change the answer.
    await writeFile(join(root, 'test/ids.ts'), "export const BASE = '001-FR-004';\n");
    expect(collect(root).tests.find((t) => t.name === 'a')!.tags).toEqual(['001-FR-004']);
  });

  test('a cache written by another collector, another root or corrupted is ignored and rewritten', async () => {
    const root = await projectWithHelpers();
    collect(root);
    const file = join(root, CACHE_FILE);
    const data = JSON.parse(await readFile(file, 'utf8')) as { collector: string; root: string };
    await writeFile(file, JSON.stringify({ ...data, collector: 'an older collector' }));
    expect(collect(root).reused).toBe(0);
    await writeFile(file, JSON.stringify({ ...data, root: '/somewhere/else' }));
    expect(collect(root).reused).toBe(0);
    await writeFile(file, '{ not json');
    expect(collect(root).reused).toBe(0);
    expect(collect(root).reused).toBe(2);
  });

  test('a project without node_modules gets no cache and the same answer', async () => {
    const root = await makeProject({
      'test/b.test.ts': "import { test } from 'vitest';\ntest('b', { tags: ['001-FR-002'] }, () => {});\n",
    });
    expect(CollectionCache.open(root)).toBeUndefined();
    expect(collect(root).tests.map((t) => t.name)).toEqual(['b']);
    expect(collect(root).reused).toBe(0);
    expect(existsSync(join(root, 'node_modules'))).toBe(false);
  });

  test('incluster trace says how many files it reused, and --no-cache parses them all', async () => {
    const root = await projectWithHelpers();
    await mkdir(join(root, 'specs/001-x'), { recursive: true });
    await writeFile(join(root, 'specs/001-x/spec.md'), spec({ '001-FR-001': 'One.', '001-FR-002': 'Two.' }));
    const first = await cli(['trace'], root);
    expect(first.err).not.toMatch(/unchanged since the last trace/);
    const second = await cli(['trace'], root);
    expect(second.status).toBe(first.status);
    expect(second.out).toBe(first.out);
    expect(second.err).toMatch(/2 of 2 test files unchanged since the last trace/);
    const uncached = await cli(['trace', '--no-cache'], root);
    expect(uncached.err).not.toMatch(/unchanged since the last trace/);
    expect(uncached.out).toBe(first.out);
  });
});
