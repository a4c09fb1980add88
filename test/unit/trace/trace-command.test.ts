import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reportSchema } from '../../../src/trace/report-schema.ts';
import type { RunEvidence } from '../../../src/trace/evidence.ts';
import { cli, makeProject, spec } from './temp-project.ts';

const SPEC = spec({ '001-FR-001': 'The first requirement.', '001-FR-002': 'The second requirement.' });

function testFile(lines: string[]): string {
  return `import { describe, test } from 'vitest';\n\n${lines.join('\n')}\n`;
}

const BOTH_COVERED = testFile([
  "describe('suite', { tags: ['001-FR-001'] }, () => {",
  "  test('one', () => {});",
  "  test('two', { tags: ['001-FR-002'] }, () => {});",
  '});',
]);

async function project(files: Record<string, string>): Promise<string> {
  return makeProject({ 'specs/001-demo/spec.md': SPEC, ...files });
}

describe('incluster trace exit statuses', { tags: ['001-FR-035'] }, () => {
  test('0 when every requirement is covered and every test tagged', async () => {
    const root = await project({ 'test/a.test.ts': BOTH_COVERED });
    const { status, out } = await cli(['trace'], root);
    expect(status).toBe(0);
    expect(out).toContain('Requirements  2 total, 2 covered (100%), threshold 100%');
    expect(out).toContain('Gate: passed');
  });

  test('1 below the threshold, naming the uncovered requirement; --threshold lowers it', async () => {
    const root = await project({
      'test/a.test.ts': testFile(["test('one', { tags: ['001-FR-001'] }, () => {});"]),
    });
    const failed = await cli(['trace'], root);
    expect(failed.status).toBe(1);
    expect(failed.out).toMatch(/Uncovered requirements \(1\)\n {2}001-FR-002 {2}The second requirement\./);
    expect(failed.out).toContain('coverage 50% is below the threshold of 100%');
    expect((await cli(['trace', '--threshold', '50'], root)).status).toBe(0);
  });

  test('the threshold comes from trace.threshold in the config', async () => {
    const root = await project({
      'incluster.config.yaml': 'trace:\n  threshold: 50\n',
      'test/a.test.ts': testFile(["test('one', { tags: ['001-FR-001'] }, () => {});"]),
    });
    expect((await cli(['trace'], root)).status).toBe(0);
  });

  test('1 on an untagged test, with its file:line, unless trace.allowUntagged', async () => {
    const files = {
      'test/a.test.ts': BOTH_COVERED,
      'test/b.test.ts': testFile(['', "test('forgot', () => {});"]),
    };
    const root = await project(files);
    const { status, out } = await cli(['trace'], root);
    expect(status).toBe(1);
    expect(out).toContain('test/b.test.ts:4:1  test has no requirement ID: forgot');
    const allowed = await project({ ...files, 'incluster.config.yaml': 'trace:\n  allowUntagged: true\n' });
    expect((await cli(['trace'], allowed)).status).toBe(0);
  });

  test('1 on an unknown or a malformed ID, each with its file:line', { tags: ['001-FR-031'] }, async () => {
    const root = await project({
      'test/a.test.ts': BOTH_COVERED,
      'test/b.test.ts': testFile([
        "test('typo', { tags: ['001-FR-099'] }, () => {});",
        "test('lower case', { tags: ['001-fr-001', 'slow'] }, () => {});",
      ]),
    });
    const { status, out } = await cli(['trace'], root);
    expect(status).toBe(1);
    expect(out).toContain('test/b.test.ts:3:1  unknown requirement ID 001-FR-099');
    expect(out).toContain('test/b.test.ts:4:1  malformed requirement ID `001-fr-001`');
    expect(out).not.toContain('`slow`'); // other tags are not requirement IDs
  });

  test('1 on tags that cannot be resolved statically', { tags: ['001-FR-032'] }, async () => {
    const root = await project({
      'test/a.test.ts': BOTH_COVERED,
      'test/b.test.ts': testFile(["test('dynamic', { tags: [process.env.X ?? ''] }, () => {});"]),
    });
    const { status, out } = await cli(['trace'], root);
    expect(status).toBe(1);
    expect(out).toContain('test/b.test.ts:3:1  cannot resolve a tag of this test');
  });

  test('2 on bad input: duplicate IDs, malformed spec, unparseable test, bad flags', async () => {
    const duplicate = await makeProject({
      'specs/a/spec.md': SPEC,
      'specs/b/spec.md': spec({ '001-FR-001': 'Again.' }),
    });
    const dup = await cli(['trace'], duplicate);
    expect(dup.status).toBe(2);
    expect(dup.err).toMatch(
      /duplicate requirement ID 001-FR-001: specs\/a\/spec\.md:\d+ and specs\/b\/spec\.md:\d+/,
    );

    const malformed = await makeProject({ 'specs/a/spec.md': '- **1-FR-01** Bad.\n' });
    expect((await cli(['trace'], malformed)).err).toContain(
      'specs/a/spec.md:1: malformed requirement ID `1-FR-01`',
    );

    const broken = await project({ 'test/a.test.ts': 'test(' });
    expect((await cli(['trace'], broken)).status).toBe(2);

    const ok = await project({ 'test/a.test.ts': BOTH_COVERED });
    expect((await cli(['trace', '--format', 'pdf'], ok)).status).toBe(2);
    expect((await cli(['trace', '--threshold', '120'], ok)).err).toContain('got `120`');
    expect((await cli(['trace', '--require-passing', 'missing.json'], ok)).status).toBe(2);
    expect((await cli(['trace'], await makeProject({ 'README.md': '' }))).status).toBe(2);
  });
});

describe('incluster trace --require-passing', { tags: ['001-FR-037'] }, () => {
  function evidence(tests: Partial<RunEvidence['tests'][number]>[], shard?: string): string {
    const full = tests.map((t) => ({
      file: 'test/a.test.ts',
      fullName: 'x',
      project: '',
      ids: [],
      tags: [],
      outcome: 'passed',
      ...t,
    }));
    return JSON.stringify({
      schemaVersion: 1,
      kind: 'incluster-trace-evidence',
      createdAt: '2026-11-24T00:00:00.000Z',
      shards: shard ? [shard] : [],
      tests: full,
      moduleErrors: [],
    });
  }

  test('a requirement with a failed test fails the gate, even when another shard passed it', async () => {
    const root = await project({
      'test/a.test.ts': BOTH_COVERED,
      'shard1.json': evidence(
        [{ fullName: 'suite > one', line: 4, ids: ['001-FR-001'], outcome: 'passed' }],
        '1/2',
      ),
      'shard2.json': evidence(
        [{ fullName: 'suite > two', line: 5, ids: ['001-FR-001', '001-FR-002'], outcome: 'failed' }],
        '2/2',
      ),
    });
    const { status, out } = await cli(
      ['trace', '--format', 'json', '--require-passing', 'shard1.json', '--require-passing', 'shard2.json'],
      root,
    );
    expect(status).toBe(1);
    const report = reportSchema.parse(JSON.parse(out));
    expect(report.requirements.map((r) => [r.id, r.verdict])).toEqual([
      ['001-FR-001', 'failed'],
      ['001-FR-002', 'failed'],
    ]);
    expect(report.tests.map((t) => t.outcome)).toEqual(['passed', 'failed']);
    expect(report.summary.evidence?.shards).toEqual(['1/2', '2/2']);
    expect(report.gate.failures.map((f) => f.code)).toEqual(['failed-requirements']);
  });
});

describe('--require-passing means passing', { tags: ['001-FR-220'] }, () => {
  function evidence(tests: Partial<RunEvidence['tests'][number]>[]): string {
    const full = tests.map((t) => ({ file: 'test/a.test.ts', project: '', ids: [], tags: [], ...t }));
    return JSON.stringify({
      schemaVersion: 1,
      kind: 'incluster-trace-evidence',
      createdAt: '2026-11-24T00:00:00.000Z',
      tests: full,
    });
  }
  const ONLY_SKIPPED = evidence([
    { fullName: 'suite > one', line: 4, ids: ['001-FR-001'], outcome: 'passed' },
    { fullName: 'suite > two', line: 5, ids: ['001-FR-001', '001-FR-002'], outcome: 'skipped' },
  ]);

  test('a requirement whose tests were only skipped fails the gate, named with its tests', async () => {
    const root = await project({ 'test/a.test.ts': BOTH_COVERED, 'run.json': ONLY_SKIPPED });
    const json = await cli(['trace', '--format', 'json', '--require-passing', 'run.json'], root);
    expect(json.status).toBe(1);
    const report = reportSchema.parse(JSON.parse(json.out));
    expect(report.requirements.map((r) => [r.id, r.status, r.verdict])).toEqual([
      ['001-FR-001', 'covered', 'passed'],
      ['001-FR-002', 'covered', 'unverified'],
    ]);
    expect(report.gate.failures).toEqual([
      {
        code: 'unverified-requirements',
        message:
          'requirements no passing test verified (their tests were skipped or did not run): 001-FR-002',
      },
    ]);
    const table = await cli(['trace', '--require-passing', 'run.json'], root);
    expect(table.status).toBe(1);
    expect(table.out).toMatch(
      /Unverified requirements \(1\): no test of theirs passed\n {2}001-FR-002 {2}The second requirement\.\n {4}test\/a\.test\.ts:5 {2}suite > two {2}\(skipped\)/,
    );
    const md = await cli(['trace', '--format', 'md', '--require-passing', 'run.json'], root);
    expect(md.out).toMatch(
      /## Unverified requirements\n\n- \*\*001-FR-002\*\* .*\n {2}- suite > two \(`test\/a\.test\.ts:5`\): skipped/,
    );
  });

  test('a covered requirement whose tests did not run at all fails it too; an uncovered one is the threshold’s', async () => {
    const root = await project({
      'test/a.test.ts': testFile(["test('one', { tags: ['001-FR-001'] }, () => {});"]),
      'specs/001-demo/spec.md': spec({
        '001-FR-001': 'The first requirement.',
        '001-FR-002': 'The second requirement.',
      }),
      'run.json': evidence([]),
    });
    const { status, out } = await cli(
      ['trace', '--threshold', '50', '--format', 'json', '--require-passing', 'run.json'],
      root,
    );
    expect(status).toBe(1);
    const report = reportSchema.parse(JSON.parse(out));
    expect(report.tests.map((t) => t.outcome)).toEqual(['not-run']);
    expect(report.requirements.map((r) => [r.id, r.status, r.verdict])).toEqual([
      ['001-FR-001', 'covered', 'not-run'],
      ['001-FR-002', 'uncovered', 'not-run'],
    ]);
    expect(report.gate.failures.map((f) => f.message)).toEqual([
      'requirements no passing test verified (their tests were skipped or did not run): 001-FR-001',
    ]);
  });

  test('--allow-unverified and trace.allowUnverified let them pass, and the report says which', async () => {
    const root = await project({ 'test/a.test.ts': BOTH_COVERED, 'run.json': ONLY_SKIPPED });
    const flag = await cli(
      ['trace', '--format', 'json', '--require-passing', 'run.json', '--allow-unverified'],
      root,
    );
    expect(flag.status).toBe(0);
    const report = reportSchema.parse(JSON.parse(flag.out));
    expect(report.settings.allowUnverified).toBe(true);
    expect(report.gate).toEqual({ passed: true, failures: [] });
    const table = await cli(['trace', '--require-passing', 'run.json', '--allow-unverified'], root);
    expect(table.out).toContain(
      'Unverified requirements (1): no test of theirs passed, allowed by allowUnverified',
    );
    const md = await cli(
      ['trace', '--format', 'md', '--require-passing', 'run.json', '--allow-unverified'],
      root,
    );
    expect(md.out).toContain(
      '**Gate passed**: 2 of 2 requirements covered (100%, threshold 100%); 1 covered requirement not verified by a passing test, allowed by allowUnverified: 001-FR-002',
    );
    // A failed requirement is never let through.
    await writeFile(
      join(root, 'failed.json'),
      evidence([{ fullName: 'suite > two', line: 5, outcome: 'failed' }]),
    );
    expect(
      (await cli(['trace', '--require-passing', 'failed.json', '--allow-unverified'], root)).status,
    ).toBe(1);

    await writeFile(join(root, 'incluster.config.yaml'), 'trace:\n  allowUnverified: true\n');
    const config = await cli(['trace', '--format', 'json', '--require-passing', 'run.json'], root);
    expect(config.status).toBe(0);
    expect(reportSchema.parse(JSON.parse(config.out)).settings.allowUnverified).toBe(true);
  });

  test('--allow-unverified without evidence is a usage error naming both flags', async () => {
    const root = await project({ 'test/a.test.ts': BOTH_COVERED });
    const { status, err } = await cli(['trace', '--allow-unverified'], root);
    expect(status).toBe(2);
    expect(err).toContain('--allow-unverified relaxes --require-passing, which was not given');
  });
});

describe('suspect links', { tags: ['001-FR-038'] }, () => {
  test('a changed requirement makes its tests suspect until --confirm', async () => {
    const root = await project({ 'test/a.test.ts': BOTH_COVERED });
    const first = await cli(['trace'], root);
    expect(first.out).toContain('No baseline specs/traceability.lock yet');

    const confirmed = await cli(['trace', '--confirm'], root);
    expect(confirmed.status).toBe(0);
    expect(confirmed.err).toContain('Confirmed 2 requirement texts in specs/traceability.lock');
    const lock = JSON.parse(await readFile(join(root, 'specs/traceability.lock'), 'utf8')) as {
      requirements: Record<string, string>;
    };
    expect(Object.keys(lock.requirements)).toEqual(['001-FR-001', '001-FR-002']);

    // Reflowing the text is not a change; rewording is.
    await writeFile(
      join(root, 'specs/001-demo/spec.md'),
      SPEC.replace('The second requirement.', 'The second requirement,\n  reworded.'),
    );
    const suspect = await cli(['trace'], root);
    expect(suspect.status).toBe(0);
    expect(suspect.out).toContain(
      'Suspect links: the text of 1 requirement(s) changed since specs/traceability.lock',
    );
    expect(suspect.out).toMatch(
      /001-FR-002 {2}The second requirement, reworded\.\n {4}test\/a\.test\.ts:5 {2}suite > two/,
    );
    expect((await cli(['trace', '--fail-on-suspect'], root)).status).toBe(1);

    const json = reportSchema.parse(JSON.parse((await cli(['trace', '--format', 'json'], root)).out));
    expect(json.summary).toMatchObject({ suspectRequirements: 1, suspectLinks: 1 });
    expect(json.tests.map((t) => t.suspect)).toEqual([false, true]);
    expect(json.baseline.changed).toEqual(['001-FR-002']);

    const reconfirmed = await cli(['trace', '--confirm'], root);
    expect(reconfirmed.err).toContain('1 changed (001-FR-002)');
    expect((await cli(['trace', '--fail-on-suspect'], root)).status).toBe(0);
  });

  test('a malformed baseline is bad input', async () => {
    const root = await project({ 'test/a.test.ts': BOTH_COVERED, 'specs/traceability.lock': '{"nope": 1}' });
    const { status, err } = await cli(['trace'], root);
    expect(status).toBe(2);
    expect(err).toContain('is not a traceability baseline');
  });
});

describe('incluster trace report formats', { tags: ['001-FR-034'] }, () => {
  test('json follows the versioned schema; md and html are written with --out', async () => {
    const root = await project({ 'test/a.test.ts': BOTH_COVERED });
    const json = await cli(['trace', '--format', 'json'], root);
    const report = reportSchema.parse(JSON.parse(json.out));
    expect(report.schemaVersion).toBe(1);
    expect(report.summary).toMatchObject({ requirements: 2, covered: 2, percentage: 100, tests: 2 });
    expect(report.requirements[0]!.tests).toEqual([0, 1]);

    const md = await cli(['trace', '--format', 'md', '--out', 'out/trace.md'], root);
    expect(md.out).toContain('Report (md) written to out/trace.md');
    const markdown = await readFile(join(root, 'out/trace.md'), 'utf8');
    expect(markdown).toContain('| 001-FR-002 | covered | 1 | The second requirement. |');

    await cli(['trace', '--format', 'html', '--out', 'trace.html'], root);
    const html = await readFile(join(root, 'trace.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=/); // self-contained
  });

  test('dogfood: traces this repository', { tags: ['001-FR-032'], timeout: 30_000 }, async () => {
    const { status, out } = await cli(['trace', '--format', 'json'], process.cwd());
    expect([0, 1]).toContain(status);
    const report = reportSchema.parse(JSON.parse(out));
    expect(report.summary.requirements).toBeGreaterThan(40);
    expect(report.tests.some((t) => t.file === 'test/unit/trace/trace-command.test.ts')).toBe(true);
    expect(report.requirements.find((r) => r.id === '001-FR-035')?.status).toBe('covered');
  });
});
