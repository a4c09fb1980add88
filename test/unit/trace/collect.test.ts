import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createVitest } from 'vitest/node';
import { collectTests } from '../../../src/trace/collect/collect.ts';
import type { CollectedTest } from '../../../src/trace/collect/collection.ts';
import { parseModule } from '../../../src/trace/collect/source-module.ts';
import { UsageError } from '../../../src/errors.ts';
import { makeProject } from './temp-project.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/trace');

function collectFixtures(dir: string): ReturnType<typeof collectTests> {
  return collectTests({ root: join(FIXTURES, dir), include: ['**/*.fixture.ts'] });
}

function byName(tests: CollectedTest[], fullName: string): CollectedTest {
  const found = tests.find((t) => t.fullName === fullName);
  if (!found) throw new Error(`no test named ${fullName}; have: ${tests.map((t) => t.fullName).join(' | ')}`);
  return found;
}

describe('static collection of tests and their IDs', { tags: ['001-FR-032', '001-FR-030'] }, () => {
  const { tests, problems, files } = collectFixtures('syntax');

  test('finds every test of the syntax fixture without problems', () => {
    expect(files).toEqual(['cases.fixture.ts']);
    expect(problems).toEqual([]);
    expect(tests).toHaveLength(24); // the loop over a constant array declares one test per element
  });

  test('describe tags are inherited, with the file-level @module-tag', () => {
    expect(byName(tests, 'outer > inherits the suite tag').tags).toEqual(['001-FR-032', '001-FR-030']);
    expect(byName(tests, 'outer > inner > renamed import of it').tags).toEqual([
      '001-FR-032',
      '001-FR-030',
      '001-FR-035',
    ]);
  });

  test('test.each, describe.each, test.for and tagged-template each are one declaration each', () => {
    expect(byName(tests, 'outer > each row %i')).toMatchObject({
      each: true,
      tags: ['001-FR-032', '001-FR-030', '001-FR-031', '001-FR-033'],
      line: 19,
    });
    expect(byName(tests, 'outer > suite per %s > inside describe.each').each).toBe(true);
    expect(byName(tests, 'outer > for row %i').each).toBe(true);
    expect(byName(tests, 'outer > tagged template $a').each).toBe(true);
  });

  test('skip, only, todo and skipIf are recorded as modes', () => {
    expect(byName(tests, 'outer > skipped').mode).toBe('skip');
    expect(byName(tests, 'outer > todo without a body').mode).toBe('todo');
    expect(byName(tests, 'outer > skip option').mode).toBe('skip');
    expect(byName(tests, 'outer > skipIf')).toMatchObject({ mode: 'run', conditional: true });
    expect(byName(tests, 'skip on an extended test').mode).toBe('skip');
  });

  test('tags through constants: local, imported, re-exported, members, spreads, templates', () => {
    expect(byName(tests, 'outer > options constant').tags).toContain('001-FR-036');
    expect(byName(tests, 'outer > member of a constant').tags).toContain('001-FR-001');
    expect(byName(tests, 'outer > re-exported constant').tags).toContain('001-FR-034');
    expect(byName(tests, 'outer > template literal tag').tags).toContain('001-FR-038');
  });

  test('test functions from test.extend (also in another module), namespaces and named bodies', () => {
    expect(byName(tests, 'from test.extend in another module').tags).toContain('001-FR-038');
    expect(byName(tests, 'extended twice').line).toBe(45);
    expect(byName(tests, 'through a namespace import').tags).toContain('001-FR-037');
    expect(byName(tests, 'body passed by name > inside a named body').tags).toContain('001-FR-031');
    expect(byName(tests, 'looped 1').line).toBe(53);
    expect(byName(tests, 'looped 2').line).toBe(53);
  });

  test('agrees with what Vitest itself collects by importing the file', { timeout: 60_000 }, async () => {
    const root = join(FIXTURES, 'syntax');
    const tags = Array.from({ length: 60 }, (_, i) => ({ name: `001-FR-${String(i).padStart(3, '0')}` }));
    const vitest = await createVitest('test', {
      root,
      config: false,
      include: ['*.fixture.ts'],
      includeTaskLocation: true,
      watch: false,
      reporters: [],
      tags,
    });
    try {
      const result = await vitest.collect(undefined, { staticParse: false });
      const real = result.testModules.flatMap((m) => [...m.children.allTests()]);
      expect(real.length).toBeGreaterThan(tests.length); // .each and loops expand at run time
      for (const test of real) {
        const pattern = (name: string) =>
          new RegExp(
            `^${name
              .split(/%[sdi]|\$\{[^}]*\}|\$\w+/)
              .map(escape)
              .join('.+?')}$`,
          );
        const mine = tests.find((t) => pattern(t.fullName).test(test.fullName));
        expect(mine, test.fullName).toBeDefined();
        expect([...mine!.tags].sort(), test.fullName).toEqual([...test.tags].sort());
      }
    } finally {
      await vitest.close();
    }
  });
});

describe('unresolvable tags', { tags: ['001-FR-032', '001-FR-031'] }, () => {
  test('are reported at their file and line, never dropped silently', () => {
    const { tests, problems } = collectFixtures('unresolved');
    expect(problems.map((p) => `${p.file}:${p.line}`)).toEqual([
      'dynamic.fixture.ts:10',
      'dynamic.fixture.ts:11',
      'dynamic.fixture.ts:12',
      'dynamic.fixture.ts:15',
    ]);
    expect(problems[0]!.message).toContain('`mutable` is declared with let, not const');
    expect(problems[1]!.message).toContain('a function call (computed())');
    // What could be resolved is kept.
    expect(byName(tests, 'one tag from the environment').tags).toEqual(['001-FR-032']);
    expect(byName(tests, 'resolvable sibling').tags).toEqual(['001-FR-034']);
  });

  test('a test file that does not parse is bad input naming the file and line', async () => {
    const root = await makeProject({
      'test/broken.test.ts': "import { test } from 'vitest';\n\ntest('x', () => {\n",
    });
    expect(() => collectTests({ root })).toThrow(UsageError);
    expect(() => collectTests({ root })).toThrow(/broken\.test\.ts:\d+:\d+: cannot parse/);
  });

  test('positions are 1-based lines and columns', () => {
    const module = parseModule('/x.ts', 'const a = 1;\n  test();\n');
    expect(module.position(15)).toEqual({ line: 2, column: 3 });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
