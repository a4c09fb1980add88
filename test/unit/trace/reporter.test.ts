import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { createVitest } from 'vitest/node';
import { RequirementsReporter } from '../../../src/trace/reporter.ts';
import { mergeEvidence, readEvidence, type RunEvidence } from '../../../src/trace/evidence.ts';
import { judgeRequirements } from '../../../src/trace/verdicts.ts';
import { renderJUnit } from '../../../src/trace/junit.ts';
import { makeProject } from './temp-project.ts';

// A suite run for real by a nested Vitest (globals, so the temp project needs no node_modules).
const FILES = {
  'a.test.ts': [
    "describe('suite', { tags: ['001-FR-001'] }, () => {",
    "  test('passes', () => expect(1).toBe(1));",
    "  test('fails', { tags: ['001-FR-002'] }, () => expect(1).toBe(2));",
    '});',
  ].join('\n'),
  'b.test.ts': [
    "test.skip('skipped', { tags: ['001-FR-003', 'slow'] }, () => {});",
    "test.each([1, 2])('row %i', { tags: ['001-FR-004'] }, (n) => expect(n).toBeGreaterThan(0));",
  ].join('\n'),
};

/** Runs the suite in `root` with the reporter; restores the exit code a failing nested run sets. */
async function runSuite(root: string, shard?: string): Promise<RequirementsReporter> {
  const reporter = new RequirementsReporter({ outputDir: 'out' });
  const exitCode = process.exitCode;
  const vitest = await createVitest('test', {
    root,
    config: false,
    globals: true,
    include: ['*.test.ts'],
    watch: false,
    includeTaskLocation: true,
    reporters: [reporter],
    tags: ['001-FR-001', '001-FR-002', '001-FR-003', '001-FR-004', 'slow'].map((name) => ({ name })),
    ...(shard ? { shard } : {}),
  });
  try {
    await vitest.start();
  } finally {
    await vitest.close();
    process.exitCode = exitCode;
  }
  return reporter;
}

describe('RequirementsReporter evidence', { tags: ['001-FR-037'], timeout: 60_000 }, () => {
  test('records each executed test with its IDs and outcome', async () => {
    const root = await makeProject(FILES);
    await runSuite(root);
    const evidence = await readEvidence(join(root, 'out/traceability.json'));
    const summary = evidence.tests.map((t) => [t.file, t.fullName, t.ids.join(','), t.outcome]);
    expect(summary).toEqual([
      ['a.test.ts', 'suite > passes', '001-FR-001', 'passed'],
      ['a.test.ts', 'suite > fails', '001-FR-001,001-FR-002', 'failed'],
      ['b.test.ts', 'skipped', '001-FR-003', 'skipped'],
      ['b.test.ts', 'row 1', '001-FR-004', 'passed'],
      ['b.test.ts', 'row 2', '001-FR-004', 'passed'],
    ]);
    expect(evidence.tests[2]!.tags).toEqual(['001-FR-003', 'slow']);
    expect(evidence.tests[0]!.line).toBe(2);
    expect(Object.fromEntries(judgeRequirements(evidence))).toEqual({
      '001-FR-001': 'failed',
      '001-FR-002': 'failed',
      '001-FR-003': 'unverified',
      '001-FR-004': 'passed',
    });
  });

  test('shards write separate files that merge into the unsharded result', async () => {
    const root = await makeProject(FILES);
    await runSuite(root);
    const first = await runSuite(root, '1/2');
    const second = await runSuite(root, '2/2');
    expect(first.written[0]).toMatch(/out\/traceability\.shard-1-of-2\.json$/);
    expect(second.written[1]).toMatch(/out\/traceability\.junit\.shard-2-of-2\.xml$/);
    const merged = mergeEvidence([
      await readEvidence(first.written[0]!),
      await readEvidence(second.written[0]!),
    ]);
    const whole = await readEvidence(join(root, 'out/traceability.json'));
    const key = (e: RunEvidence) =>
      e.tests.map((t) => `${t.fullName}=${t.outcome}:${t.ids.join(',')}`).sort();
    expect(key(merged)).toEqual(key(whole));
    expect(merged.shards).toEqual(['1/2', '2/2']);
  });
});

describe('merging evidence', { tags: ['001-FR-037'] }, () => {
  const base = { schemaVersion: 1 as const, kind: 'incluster-trace-evidence' as const, moduleErrors: [] };
  const test1 = { file: 'a.ts', fullName: 't', project: '', tags: [], line: 1 };

  test('the same test seen twice keeps its worst outcome; module errors add up', () => {
    const merged = mergeEvidence([
      { ...base, createdAt: '1', shards: ['1/2'], tests: [{ ...test1, ids: ['X'], outcome: 'passed' }] },
      {
        ...base,
        createdAt: '2',
        shards: ['2/2'],
        tests: [{ ...test1, ids: ['X'], outcome: 'failed' }],
        moduleErrors: [{ file: 'b.ts', message: 'SyntaxError' }],
      },
    ]);
    expect(merged.tests).toHaveLength(1);
    expect(merged.tests[0]!.outcome).toBe('failed');
    expect(merged.moduleErrors).toEqual([{ file: 'b.ts', message: 'SyntaxError' }]);
    expect(merged.createdAt).toBe('2');
  });

  test('malformed evidence is bad input', async () => {
    const root = await makeProject({ 'bad.json': '{"schemaVersion": 2}' });
    await expect(readEvidence(join(root, 'bad.json'))).rejects.toThrow(
      /not a traceability evidence file: schemaVersion/,
    );
  });
});

describe('JUnit with requirement properties', { tags: ['001-FR-036'], timeout: 60_000 }, () => {
  test('every test case carries <property name="requirements" value="ID1,ID2"/>', async () => {
    const root = await makeProject(FILES);
    await runSuite(root);
    const xml = await readFile(join(root, 'out/traceability.junit.xml'), 'utf8');
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: {
        tests: string;
        failures: string;
        testsuite: { name: string; testcase: Record<string, unknown>[] }[];
      };
    };
    expect(parsed.testsuites).toMatchObject({ tests: '5', failures: '1' });
    const cases = parsed.testsuites.testsuite.flatMap((s) => s.testcase);
    const properties = cases.map((c) => [
      c.name,
      (c.properties as { property: { name: string; value: string } }).property,
      'failure' in c ? 'failure' : 'skipped' in c ? 'skipped' : 'ok',
    ]);
    expect(properties).toEqual([
      ['suite > passes', { name: 'requirements', value: '001-FR-001' }, 'ok'],
      ['suite > fails', { name: 'requirements', value: '001-FR-001,001-FR-002' }, 'failure'],
      ['skipped', { name: 'requirements', value: '001-FR-003' }, 'skipped'],
      ['row 1', { name: 'requirements', value: '001-FR-004' }, 'ok'],
      ['row 2', { name: 'requirements', value: '001-FR-004' }, 'ok'],
    ]);
  });

  test('names and messages are escaped, control characters dropped', () => {
    const xml = renderJUnit([
      {
        name: 'a "b" <c>',
        cases: [
          {
            classname: 'x&y',
            name: 'n\u0001"',
            file: 'f',
            seconds: 0.5,
            requirements: ['A', 'B'],
            outcome: 'failed',
            failure: { message: '<expected>', details: 'stack & more' },
          },
        ],
      },
    ]);
    expect(xml).toContain('<testsuite name="a &quot;b&quot; &lt;c&gt;"');
    expect(xml).toContain('classname="x&amp;y" name="n&quot;"');
    expect(xml).toContain('<property name="requirements" value="A,B"/>');
    expect(xml).toContain('<failure message="&lt;expected&gt;" type="Error">stack &amp; more</failure>');
    expect(() => {
      new XMLParser().parse(xml);
    }).not.toThrow();
  });
});
