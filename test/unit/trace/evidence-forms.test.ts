// One truth per report: a suite run for real by Vitest and by pytest, and each form of evidence the
// runners write given to `incluster trace --require-passing`: the Vitest reporter's JSON and JUnit,
// Vitest's own JUnit, pytest-incluster's JSON, and pytest's JUnit (xunit2 with only `classname`,
// xunit1 with `file` and a 0-based `line`, and two shards merged as `incluster run` merges them).
// In every form each test shows the outcome its runner gave it, and each requirement's verdict is
// the one its tests' outcomes give. The pytest project sits in a folder of its own (its rootdir
// below the trace root), so its JUnit's classnames are not paths from the root.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { createVitest } from 'vitest/node';
import { runCommand } from '../../../src/process/exec.ts';
import { mergeJUnit } from '../../../src/runner/junit.ts';
import { reportSchema, type TraceReport } from '../../../src/trace/report-schema.ts';
import { RequirementsReporter } from '../../../src/trace/reporter.ts';
import { verdictOf } from '../../../src/trace/verdicts.ts';
import { hasPython3 } from './pytest/pytest-venv.ts';
import { pluginPython } from './pytest/plugin-venv.ts';
import { cli, makeProject, spec } from './temp-project.ts';

const IDS = [
  '001-FR-001',
  '001-FR-002',
  '001-FR-003',
  '001-FR-004',
  '001-FR-005',
  '001-FR-006',
  '001-FR-007',
];

// Globals, so the nested Vitest needs no node_modules in the project.
const VITEST_TEST = [
  "describe('orders', { tags: ['001-FR-001'] }, () => {",
  "  test('totals', () => expect(1 + 1).toBe(2));",
  '});',
  "test('rejects', { tags: ['001-FR-002'] }, () => expect(1).toBe(2));",
  "test.skip('later', { tags: ['001-FR-003'] }, () => {});",
  "test.each([1, 2])('row %i', { tags: ['001-FR-001'] }, (n) => expect(n).toBeGreaterThan(0));",
  '',
].join('\n');

const PYTEST_TEST = [
  'import pytest',
  '',
  '',
  '@pytest.mark.requirement("001-FR-004")',
  '@pytest.mark.parametrize("n", [1, 2.5])',
  'def test_total(n):',
  '    assert n > 0',
  '',
  '',
  '@pytest.mark.requirement("001-FR-005")',
  '@pytest.mark.parametrize("value", [object()])',
  'def test_opaque(value):',
  '    assert value is not None',
  '',
  '',
  'class TestRefunds:',
  '    @pytest.mark.requirement("001-FR-006")',
  '    def test_refund(self):',
  '        assert 1 == 2',
  '',
  '    @pytest.mark.requirement("001-FR-007")',
  '    @pytest.mark.skip(reason="not yet")',
  '    def test_later(self):',
  '        pass',
  '',
].join('\n');

/** What each runner did with each test, by the report's file and full name. */
const VITEST_OUTCOMES = {
  'test/a.test.ts orders > totals': 'passed',
  'test/a.test.ts rejects': 'failed',
  'test/a.test.ts later': 'skipped',
  'test/a.test.ts row %i': 'passed',
};
const PYTEST_OUTCOMES = {
  'py/app/tests/test_orders.py test_total[1]': 'passed',
  'py/app/tests/test_orders.py test_total[2.5]': 'passed',
  'py/app/tests/test_orders.py test_opaque[?]': 'passed',
  'py/app/tests/test_orders.py TestRefunds::test_refund': 'failed',
  'py/app/tests/test_orders.py TestRefunds::test_later': 'skipped',
};
const notRun = (outcomes: Record<string, string>) =>
  Object.fromEntries(Object.keys(outcomes).map((key) => [key, 'not-run']));

const python3 = await hasPython3();
let root = '';

beforeAll(async () => {
  root = await makeProject({
    'specs/a/spec.md': spec(Object.fromEntries(IDS.map((id) => [id, `Requirement ${id}.`]))),
    'test/a.test.ts': VITEST_TEST,
    'py/app/pyproject.toml': '[tool.pytest.ini_options]\nmarkers = ["requirement"]\n',
    'py/app/tests/test_orders.py': PYTEST_TEST,
  });
  await runVitest(root);
  if (python3) await runPytest(root);
}, 600_000);

/** The suite run by a nested Vitest with our reporter and Vitest's own JUnit reporter. */
async function runVitest(dir: string): Promise<void> {
  const exitCode = process.exitCode;
  const vitest = await createVitest('test', {
    root: dir,
    config: false,
    globals: true,
    include: ['test/**/*.test.ts'],
    watch: false,
    includeTaskLocation: true,
    reporters: [new RequirementsReporter({ outputDir: 'out' }), 'junit'],
    outputFile: { junit: join(dir, 'out/vitest-junit.xml') },
    tags: IDS.map((name) => ({ name })),
  });
  try {
    await vitest.start();
  } finally {
    await vitest.close();
    process.exitCode = exitCode; // the suite fails on purpose
  }
}

/** The pytest suite run in its own folder: the plugin's evidence, and JUnit in each shape. */
async function runPytest(dir: string): Promise<void> {
  const { python, env } = await pluginPython();
  const cwd = join(dir, 'py/app');
  const pytest = (args: string[]) =>
    runCommand(python, ['-m', 'pytest', '-p', 'pytest_incluster.plugin', '-p', 'no:cacheprovider', ...args], {
      cwd,
      env: { ...process.env, ...env },
      allowFailure: true,
      timeoutMs: 120_000,
    });
  const out = join(dir, 'out');
  const shardFile = (shard: string) => join(out, `pytest-shard-${shard[0]}.xml`);
  // Independent runs, side by side: each writes files of its own.
  const [whole, xunit1] = await Promise.all([
    pytest([
      '--incluster-evidence',
      join(out, 'pytest-traceability.json'),
      '--incluster-evidence-root',
      dir,
      `--junitxml=${join(out, 'pytest-xunit2.xml')}`,
    ]),
    pytest([`--junitxml=${join(out, 'pytest-xunit1.xml')}`, '-o', 'junit_family=xunit1']),
    ...['1/2', '2/2'].map((shard) => pytest([`--shard=${shard}`, `--junitxml=${shardFile(shard)}`])),
  ]);
  expect(whole.exitCode, whole.stdout + whole.stderr).toBe(1); // one test fails on purpose
  expect(xunit1.exitCode, xunit1.stdout + xunit1.stderr).toBe(1);
  const shards = await Promise.all(
    ['1/2', '2/2'].map(async (shard) => ({
      source: shardFile(shard),
      xml: await readFile(shardFile(shard), 'utf8'),
    })),
  );
  await writeFile(join(out, 'pytest-merged.xml'), mergeJUnit(shards, 'incluster run').xml);
}

async function traceWith(...files: string[]): Promise<{ status: number; report: TraceReport }> {
  const args = [
    'trace',
    '--format',
    'json',
    ...files.flatMap((file) => ['--require-passing', `out/${file}`]),
  ];
  const { status, out, err } = await cli(args, root);
  expect(out, err).not.toBe('');
  return { status, report: reportSchema.parse(JSON.parse(out)) };
}

/** `file fullName` → outcome, as the tests table shows them. */
function tableOutcomes(report: TraceReport): Record<string, string | null> {
  return Object.fromEntries(report.tests.map((t) => [`${t.file} ${t.fullName}`, t.outcome]));
}

/** Every requirement's verdict is the one the outcomes the report shows for its tests give. */
function expectOneTruth(report: TraceReport): void {
  for (const requirement of report.requirements) {
    const outcomes = [
      ...requirement.tests.map((index) => report.tests[index]!.outcome),
      ...requirement.evidenceTests.map((test) => test.outcome),
    ];
    expect(requirement.verdict, requirement.id).toBe(verdictOf(outcomes));
  }
}

const verdicts = (report: TraceReport) =>
  Object.fromEntries(report.requirements.map((r) => [r.id, r.verdict]));

const VITEST_VERDICTS = { '001-FR-001': 'passed', '001-FR-002': 'failed', '001-FR-003': 'unverified' };
const PYTEST_VERDICTS = {
  '001-FR-004': 'passed',
  '001-FR-005': 'passed',
  '001-FR-006': 'failed',
  '001-FR-007': 'unverified',
};
const notRunVerdicts = (ids: Record<string, string>) =>
  Object.fromEntries(Object.keys(ids).map((id) => [id, 'not-run']));

describe('every evidence form joins its tests', { tags: ['001-FR-222'], timeout: 60_000 }, () => {
  test.each([
    ['the Vitest reporter’s traceability.json', 'traceability.json'],
    ['the Vitest reporter’s JUnit', 'traceability.junit.xml'],
    ['Vitest’s own JUnit (no requirement properties)', 'vitest-junit.xml'],
  ])('%s', async (_form, file) => {
    const { status, report } = await traceWith(file);
    expect(status).toBe(1);
    expect(tableOutcomes(report)).toEqual({
      ...VITEST_OUTCOMES,
      ...(python3 ? notRun(PYTEST_OUTCOMES) : {}),
    });
    expect(report.summary.evidence?.unmatched).toBe(0);
    expectOneTruth(report);
    expect(verdicts(report)).toEqual({
      ...VITEST_VERDICTS,
      ...notRunVerdicts(PYTEST_VERDICTS),
    });
  });

  test.skipIf(!python3).each([
    ['pytest-incluster’s traceability.json', ['pytest-traceability.json']],
    ['pytest’s JUnit (xunit2: classname only)', ['pytest-xunit2.xml']],
    ['pytest’s JUnit (xunit1: file and 0-based line)', ['pytest-xunit1.xml']],
    ['pytest’s JUnit of two shards, merged as incluster run merges them', ['pytest-merged.xml']],
    ['pytest’s JUnit of two shards, given one by one', ['pytest-shard-1.xml', 'pytest-shard-2.xml']],
  ])('%s', async (_form, files) => {
    const { status, report } = await traceWith(...files);
    expect(status).toBe(1);
    expect(tableOutcomes(report)).toEqual({ ...notRun(VITEST_OUTCOMES), ...PYTEST_OUTCOMES });
    expect(report.summary.evidence?.unmatched).toBe(0);
    expectOneTruth(report);
    expect(verdicts(report)).toEqual({ ...notRunVerdicts(VITEST_VERDICTS), ...PYTEST_VERDICTS });
  });

  test.skipIf(!python3)('both runners’ evidence together gives both runners’ outcomes', async () => {
    const { report } = await traceWith('traceability.json', 'pytest-xunit2.xml');
    expect(tableOutcomes(report)).toEqual({ ...VITEST_OUTCOMES, ...PYTEST_OUTCOMES });
    expectOneTruth(report);
    expect(verdicts(report)).toEqual({ ...VITEST_VERDICTS, ...PYTEST_VERDICTS });
    expect(report.gate.failures.map((f) => f.code)).toEqual([
      'failed-requirements',
      'unverified-requirements',
    ]);
  });
});
