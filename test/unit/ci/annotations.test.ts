// Annotations and job summaries under GitHub Actions: workflow commands escaped as the runner reads
// them; Vitest's own `github-actions` reporter kept by withRequirements (a real Vitest, with the
// variables a runner sets); `incluster run`'s annotations and summary from a run's merged JUnit
// (Vitest's, made by that real run, and pytest's); `incluster trace`'s annotations and summary.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCliCaptured } from '../../support/cli.ts';
import { annotationCommand, sourceLink, workspacePath } from '../../../src/ci/github.ts';
import { publishRun, runAnnotations } from '../../../src/ci/publish-run.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { failureLocation, junitTestCases } from '../../../src/runner/junit-cases.ts';
import type { RunReport } from '../../../src/runner/report.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-annotations-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** What a GitHub runner sets for a step, with the job summary in `summary`. */
function runnerEnv(workspace: string, summary: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/orders',
    GITHUB_SHA: 'f'.repeat(40),
    NO_COLOR: '1',
  };
}

const errorLines = (text: string) => text.split('\n').filter((line) => line.startsWith('::error'));

test(
  'workflow commands: data and properties escaped, so a message cannot end the command or start one',
  { tags: ['001-FR-208'] },
  () => {
    expect(
      annotationCommand({
        level: 'error',
        file: 'a,b:c.ts',
        line: 3,
        column: 9,
        title: 'x › y: z',
        message: '100%\r\n::warning::no',
      }),
    ).toBe('::error file=a%2Cb%3Ac.ts,line=3,col=9,title=x › y%3A z::100%25%0D%0A::warning::no');
    expect(annotationCommand({ level: 'warning', message: 'plain' })).toBe('::warning::plain');
    expect(workspacePath({ GITHUB_WORKSPACE: '/w' }, '/w/sub', '/w/sub', 'tests/a.ts')).toBe(
      'sub/tests/a.ts',
    );
    expect(workspacePath({}, '/w', '/elsewhere', 'a.ts')).toBe('/elsewhere/a.ts');
    expect(sourceLink(runnerEnv('/w', ''), 'specs/a b/spec.md', 7)).toBe(
      `https://github.com/acme/orders/blob/${'f'.repeat(40)}/specs/a%20b/spec.md#L7`,
    );
    expect(sourceLink({}, 'specs/spec.md', 7)).toBeUndefined();
  },
);

describe('a Vitest suite under GitHub Actions', { tags: ['001-FR-211', '001-FR-208'] }, () => {
  const state = { dir: '', stdout: '', exitCode: -1 };

  beforeAll(async () => {
    state.dir = await project({
      'specs/a/spec.md': '- **001-FR-001** Adds.\n- **001-FR-002** Passes.\n',
      'vitest.config.ts': `import { withRequirements } from ${JSON.stringify(join(repoRoot, 'src/trace/vitest-config.ts'))};\nexport default withRequirements({ test: { globals: true, include: ['*.test.ts'] } }, { root: import.meta.dirname, redaction: false });\n`,
      'math.test.ts':
        "describe('math', () => {\n  test('adds', { tags: ['001-FR-001'] }, () => {\n    const sum = 1 + 1;\n    expect(sum).toBe(3);\n  });\n  test('passes', { tags: ['001-FR-002'] }, () => {});\n});\n",
    });
    const result = await runCommand(join(repoRoot, 'node_modules/.bin/vitest'), ['run'], {
      cwd: state.dir,
      env: runnerEnv(state.dir, join(state.dir, 'summary.md')),
      allowFailure: true,
      timeoutMs: 120_000,
    });
    state.stdout = result.stdout + result.stderr;
    state.exitCode = result.exitCode;
  }, 150_000);

  test('withRequirements keeps Vitest’s github-actions reporter: one ::error per failed test, and the evidence beside it', async () => {
    expect(state.exitCode, state.stdout).toBe(1);
    const errors = errorLines(state.stdout);
    expect(errors, state.stdout).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^::error file=[^,]*math\.test\.ts,title=math\.test\.ts > math > adds,line=4,column=17::/,
    );
    const evidence = JSON.parse(
      await readFile(join(state.dir, 'test-results/traceability.json'), 'utf8'),
    ) as {
      tests: { ids: string[]; outcome: string }[];
    };
    expect(evidence.tests.map((t) => [t.ids, t.outcome])).toEqual([
      [['001-FR-001'], 'failed'],
      [['001-FR-002'], 'passed'],
    ]);
  });

  test('incluster run finds the same line in the JUnit as Vitest’s own reporter did', async () => {
    const xml = await readFile(join(state.dir, 'test-results/traceability.junit.xml'), 'utf8');
    const cases = junitTestCases(xml);
    expect(cases.map((c) => [c.name, c.outcome])).toEqual([
      ['math > adds', 'failed'],
      ['math > passes', 'passed'],
    ]);
    expect(failureLocation(cases[0]!, state.dir)).toEqual({ file: 'math.test.ts', line: 4, column: 17 });
  });

  test('publishRun: summary.md, the job summary, one annotation per failed test; none outside Actions', async () => {
    const dir = join(state.dir, 'test-results/20261207-120000-abcd');
    await mkdir(join(dir, 'shard-0'), { recursive: true });
    await writeFile(
      join(dir, 'junit.xml'),
      await readFile(join(state.dir, 'test-results/traceability.junit.xml'), 'utf8'),
    );
    await writeFile(join(dir, 'report.json'), JSON.stringify(REPORT));
    const summary = join(state.dir, 'step-summary.md');
    const stream = new PassThrough();
    let annotations = '';
    stream.on('data', (chunk: Buffer) => (annotations += chunk.toString()));
    const env = runnerEnv(state.dir, summary);
    expect(await publishRun({ env, cwd: state.dir, stream, contextDir: state.dir, dir })).toBe(true);
    expect(errorLines(annotations)).toEqual([
      expect.stringMatching(
        /^::error file=math\.test\.ts,line=4,title=math > adds \(incluster run 20261207-120000-abcd\)::AssertionError: expected 2 to be 3/,
      ),
    ]);
    const written = await readFile(join(dir, 'summary.md'), 'utf8');
    expect(await readFile(summary, 'utf8')).toBe(`${written}\n`);
    expect(written).toContain('### incluster run `20261207-120000-abcd`: FAILED');
    expect(written).toContain('| 0 | incluster-runner-0-x | worker-1 | exit 1 | 2.5s |');
    expect(written).toContain(
      `- [\`math.test.ts:4\`](https://github.com/acme/orders/blob/${'f'.repeat(40)}/math.test.ts#L4) math > adds: expected 2 to be 3`,
    );
    expect(written).toMatch(
      /\| Slowest tests \| Took \|\n\| --- \| ---: \|\n\| math\.test\.ts › math > (adds|passes) \|/,
    );
    expect(written).toContain(
      'Requirements verified in the cluster: 1 passed (001-FR-002), 1 failed (001-FR-001)',
    );
    // Off Actions: the summary file still, no annotations, no job summary.
    annotations = '';
    const plain = join(state.dir, 'not-written.md');
    await publishRun({ env: { PATH: process.env.PATH }, cwd: state.dir, stream, contextDir: state.dir, dir });
    expect(annotations).toBe('');
    await expect(readFile(plain, 'utf8')).rejects.toThrow();
  });
});

const REPORT: RunReport = {
  schemaVersion: 1,
  kind: 'incluster-run-report',
  runId: '20261207-120000-abcd',
  outcome: 'failed',
  exitStatus: 1,
  message: '1 test case failed; 1 of 1 shard exited non-zero',
  startedAt: '2026-12-07T12:00:00.000Z',
  finishedAt: '2026-12-07T12:00:30.000Z',
  durationMs: 30_000,
  phases: [],
  cluster: {
    provider: 'local',
    name: 'floe-test',
    server: 'https://10.87.0.1:6443',
    serverVersion: 'v1.34.4',
    nodes: [],
  },
  namespace: 'incluster-run-20261207-120000-abcd',
  job: 'incluster-runner',
  command: ['npx', 'vitest', 'run'],
  runnerArgs: [],
  shards: [
    {
      index: 0,
      pod: 'incluster-runner-0-x',
      node: 'worker-1',
      state: 'ended',
      exitCode: 1,
      testDurationMs: 2500,
      artifacts: { files: [], bytes: 0, rejected: [] },
    },
  ],
  tests: { tests: 2, failures: 1, errors: 0, skipped: 0, time: 0.01 },
  junit: 'junit.xml',
  traceability: {
    files: [],
    tests: 2,
    requirements: { passed: ['001-FR-002'], failed: ['001-FR-001'], unverified: [] },
  },
};

// pytest's own JUnit (xunit2: no file or line attributes), as pytest 9 writes it in the runner pod.
const PYTEST_JUNIT = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="0.449"><testcase classname="tests.integration.test_example.TestOrders" name="test_total[1]" time="0.002"><properties><property name="requirements" value="001-FR-001" /></properties><failure message="assert (1,) == (2,)&#10;  &#10;  At index 0 diff: 1 != 2">self = &lt;test_example.TestOrders object at 0x7fa8891fd150&gt;, n = 1

    @pytest.mark.parametrize("n", [1])
    def test_total(self, n):
&gt;       assert helper(n) == (2,)
E       assert (1,) == (2,)

tests/integration/test_example.py:7: AssertionError</failure></testcase><testcase classname="tests.integration.test_example" name="test_ok" time="0.001"/></testsuite></testsuites>`;

test(
  'pytest’s JUnit: the file from the dotted classname, the line from pytest’s crash line',
  { tags: ['001-FR-208'] },
  async () => {
    const root = await project({ 'tests/integration/test_example.py': '# the test module\n' });
    const cases = junitTestCases(PYTEST_JUNIT);
    expect(cases.map((c) => c.outcome)).toEqual(['failed', 'passed']);
    expect(failureLocation(cases[0]!, root)).toEqual({ file: 'tests/integration/test_example.py', line: 7 });
    const annotations = runAnnotations({ ...REPORT, shards: [] }, cases, (c) => {
      const at = failureLocation(c, root);
      return at && { path: `svc/${at.file}`, line: at.line };
    });
    expect(annotations).toEqual([
      expect.objectContaining({ level: 'error', file: 'svc/tests/integration/test_example.py', line: 7 }),
    ]);
  },
);

test('an infrastructure failure is one error naming its reason', { tags: ['001-FR-208'] }, () => {
  const annotations = runAnnotations(
    {
      ...REPORT,
      outcome: 'infrastructure',
      exitStatus: 3,
      reason: 'OOMKilled',
      message: 'shard 0: the test container was OOMKilled',
    },
    [],
    () => undefined,
  );
  expect(annotations).toEqual([
    {
      level: 'error',
      title: 'incluster run 20261207-120000-abcd: infrastructure failure (OOMKilled)',
      message: 'shard 0: the test container was OOMKilled',
    },
  ]);
  expect(runAnnotations({ ...REPORT, outcome: 'passed' }, [], () => undefined)).toEqual([]);
});

describe('incluster trace under GitHub Actions', { tags: ['001-FR-210'] }, () => {
  const SPEC = '# Spec\n\n- **001-FR-001** Adds.\n- **001-FR-002** Subtracts.\n- **001-FR-003** Divides.\n';
  const TESTS =
    "import { test } from 'vitest';\n\ntest('adds', { tags: ['001-FR-001'] }, () => {});\ntest('subtracts', { tags: ['001-FR-009'] }, () => {});\ntest('untagged', () => {});\n";

  async function trace(config: string) {
    const dir = await project({
      'specs/a/spec.md': SPEC,
      'tests/a.test.ts': TESTS,
      'incluster.config.yaml': config,
    });
    const summary = join(dir, 'summary.md');
    await writeFile(summary, '');
    const result = await runCliCaptured(['trace'], { cwd: dir, env: runnerEnv(dir, summary) });
    return { ...result, summary: await readFile(summary, 'utf8') };
  }

  test('problems at their lines and uncovered requirements at their spec lines: errors when they fail the gate', async () => {
    const result = await trace("trace:\n  tests: ['tests/**/*.test.ts']\n");
    expect(result.status).toBe(1);
    const annotations = result.err.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations).toEqual([
      '::error file=tests/a.test.ts,line=4,col=1,title=unknown requirement ID::unknown requirement ID 001-FR-009',
      '::error file=tests/a.test.ts,line=5,col=1,title=test without a requirement ID::test has no requirement ID: untagged',
      '::error file=specs/a/spec.md,line=4,title=uncovered requirement::001-FR-002 has no test: Subtracts.',
      '::error file=specs/a/spec.md,line=5,title=uncovered requirement::001-FR-003 has no test: Divides.',
    ]);
    const link = `https://github.com/acme/orders/blob/${'f'.repeat(40)}/specs/a/spec.md`;
    expect(result.summary).toMatch(/^### Requirement traceability: gate failed\n/);
    expect(result.summary).toContain(`| [001-FR-001](${link}#L3) | covered | 1 | Adds. |`);
    expect(result.summary).toContain(`| [001-FR-003](${link}#L5) | uncovered | 0 | Divides. |`);
    expect(result.summary).toContain(
      `- [\`tests/a.test.ts:4\`](https://github.com/acme/orders/blob/${'f'.repeat(40)}/tests/a.test.ts#L4) unknown-id: unknown requirement ID 001-FR-009`,
    );
  });

  test('what the gate allows is a warning: untagged tests under allowUntagged, coverage above the threshold', async () => {
    const result = await trace(
      "trace:\n  tests: ['tests/**/*.test.ts']\n  allowUntagged: true\n  threshold: 30\n",
    );
    const annotations = result.err.split('\n').filter((line) => line.startsWith('::'));
    expect(annotations.filter((a) => a.startsWith('::warning'))).toHaveLength(3);
    expect(annotations.filter((a) => a.startsWith('::error'))).toEqual([
      expect.stringContaining('title=unknown requirement ID'),
    ]);
  });
});

describe('--require-passing takes a quoted glob', { tags: ['001-FR-204'] }, () => {
  test('every file it matches is evidence; one that matches none is a usage error naming it', async () => {
    const dir = await project({
      'specs/a/spec.md': '- **001-FR-001** Adds.\n',
      'tests/a.test.ts':
        "import { test } from 'vitest';\ntest('adds', { tags: ['001-FR-001'] }, () => {});\n",
      'test-results/run-1/junit.xml':
        '<testsuites><testsuite name="a"><testcase classname="tests/a.test.ts" file="tests/a.test.ts" line="2" name="adds"><properties><property name="requirements" value="001-FR-001"/></properties><failure message="boom"/></testcase></testsuite></testsuites>',
      'test-results/run-1/shard-0/junit.xml': '<testsuites/>',
    });
    const failed = await runCliCaptured(['trace', '--require-passing', 'test-results/*/junit.xml'], {
      cwd: dir,
    });
    expect(failed.status).toBe(1);
    expect(failed.out).toContain('failed requirements: 001-FR-001');
    const none = await runCliCaptured(['trace', '--require-passing', 'results/*/junit.xml'], { cwd: dir });
    expect(none.status).toBe(2);
    expect(none.err).toContain(
      `--require-passing 'results/*/junit.xml' matches no file (relative to ${dir})`,
    );
  });
});

test(
  'an error that ends a command is also an annotation under GitHub Actions',
  { tags: ['001-FR-208'] },
  async () => {
    const dir = await project({});
    const result = await runCliCaptured(['trace', '--threshold', 'lots'], {
      cwd: dir,
      env: runnerEnv(dir, ''),
    });
    expect(result.status).toBe(2);
    expect(result.err).toContain(
      '::error title=incluster trace::--threshold must be a percentage from 0 to 100',
    );
  },
);
