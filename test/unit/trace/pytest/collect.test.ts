// The pytest collector on scratch projects: when it runs at all, what it needs, how its tests join
// the Vitest ones in one report, and how problems are reported. pytest's own rules are checked
// against pytest itself in corpus.test.ts.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ExitStatus, UsageError } from '../../../../src/errors.ts';
import { compileIdFormat } from '../../../../src/trace/ids.ts';
import { traceProject } from '../../../../src/trace/project-trace.ts';
import {
  collectPytest,
  hasPytestSuites,
  PYTEST_COLLECTOR,
  PythonNotFoundError,
} from '../../../../src/trace/pytest/collect.ts';
import { cli, makeProject, spec } from '../temp-project.ts';
import { hasPython3 } from './pytest-venv.ts';

const SPEC = spec({
  '001-FR-001': 'The first requirement.',
  '001-FR-002': 'The second requirement.',
  '001-FR-003': 'The third requirement.',
});
const TRACE = {
  specs: ['specs/**/spec.md'],
  idPattern: '^\\d{3}-FR-\\d{3}$',
  threshold: 100,
  allowUntagged: false,
  allowUnverified: false,
  tests: ['test/**/*.test.ts'],
  lockFile: 'specs/traceability.lock',
};
const VITEST_TEST = "import { test } from 'vitest';\n\ntest('ts', { tags: ['001-FR-001'] }, () => {});\n";
const py = (...lines: string[]) => `${lines.join('\n')}\n`;
const python3 = await hasPython3();
const NO_PYTHON = '/nonexistent/python3';

describe('when the pytest collector runs', { tags: ['001-FR-098'] }, () => {
  test('a Vitest-only project never needs python3', async () => {
    const root = await makeProject({ 'test/a.test.ts': VITEST_TEST, 'src/helper.py': 'x = 1\n' });
    expect(hasPytestSuites(root)).toBe(false);
    expect(await collectPytest({ root, python: NO_PYTHON })).toBeUndefined();
  });

  test('a pytest config or a file named like a test means pytest suites; trace.pytest: [] opts out', async () => {
    const configured = await makeProject({
      'pyproject.toml': '[tool.pytest.ini_options]\ntestpaths = ["t"]\n',
    });
    expect(hasPytestSuites(configured)).toBe(true);
    const unrelated = await makeProject({ 'pyproject.toml': '[project]\nname = "x"\n' });
    expect(hasPytestSuites(unrelated)).toBe(false);
    const named = await makeProject({ 'pkg/tests/orders_test.py': 'def test_x():\n    pass\n' });
    expect(hasPytestSuites(named)).toBe(true);
    const hidden = await makeProject({ '.venv/lib/test_x.py': '', 'node_modules/p/test_y.py': '' });
    expect(hasPytestSuites(hidden)).toBe(false);
    expect(await collectPytest({ root: named, paths: [], python: NO_PYTHON })).toBeUndefined();
  });

  test('without python3 the error names what is needed and how to leave pytest out', async () => {
    const root = await makeProject({ 'test_x.py': 'def test_x():\n    pass\n' });
    const error = await collectPytest({ root, python: NO_PYTHON }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PythonNotFoundError);
    const found = error as PythonNotFoundError;
    expect(found.exitStatus).toBe(ExitStatus.infrastructure);
    expect(found.message).toContain(
      `needs Python 3.9 or newer to read this project's pytest suites: ${NO_PYTHON} was not found`,
    );
    expect(found.hint).toContain('INCLUSTER_PYTHON');
    expect(found.hint).toContain('trace.pytest: []');
  });
});

describe.skipIf(!python3)('pytest tests in the report', { tags: ['001-FR-098'] }, () => {
  async function mixed(extra: Record<string, string> = {}) {
    return makeProject({
      'specs/001-demo/spec.md': SPEC,
      'test/a.test.ts': VITEST_TEST,
      'tests/test_orders.py': py(
        'import pytest',
        'from pytest import mark as m',
        '',
        'REQ = "001-FR-002"',
        '',
        '@pytest.mark.requirement(REQ)',
        'class TestOrders:',
        '    @m.requirement("001-FR-003")',
        '    @pytest.mark.parametrize("n", [1, pytest.param(2, marks=m.requirement("001-FR-001"))])',
        '    def test_total(self, n):',
        '        pass',
      ),
      ...extra,
    });
  }

  test('a mixed repository gets one report: files, tests and coverage of both', async () => {
    const root = await mixed();
    const { report, pytest } = await traceProject({ root, trace: TRACE });
    expect(report.gate).toEqual({ passed: true, failures: [] });
    expect(report.summary).toMatchObject({ requirements: 3, covered: 3, testFiles: 2, tests: 3 });
    expect(report.tests.filter((t) => t.file === 'tests/test_orders.py')).toMatchObject([
      {
        line: 8,
        name: 'test_total[1]',
        fullName: 'TestOrders::test_total[1]',
        ids: ['001-FR-003', '001-FR-002'],
      },
      { line: 8, fullName: 'TestOrders::test_total[2]', ids: ['001-FR-001', '001-FR-003', '001-FR-002'] },
    ]);
    expect(pytest).toEqual([{ args: [], rootdir: '.', inifile: null, files: 1 }]);
  });

  test('untagged pytest tests count as untagged, unknown IDs as unknown, malformed as malformed', async () => {
    const root = await mixed({
      'tests/test_more.py': py(
        'import pytest',
        '',
        'def test_untagged():',
        '    pass',
        '',
        '@pytest.mark.requirement("001-FR-999")',
        'def test_unknown():',
        '    pass',
        '',
        '@pytest.mark.requirement("001-fr-002")',
        'def test_malformed():',
        '    pass',
      ),
    });
    const { report } = await traceProject({ root, trace: TRACE });
    const where = (kind: string) =>
      report.problems.filter((p) => p.kind === kind).map((p) => `${p.file}:${p.line}`);
    expect(where('untagged-test')).toEqual(['tests/test_more.py:3']);
    expect(where('unknown-id')).toEqual(['tests/test_more.py:6']);
    expect(where('malformed-id')).toEqual(['tests/test_more.py:10']);
    expect(report.gate.failures.map((f) => f.code)).toEqual([
      'untagged-tests',
      'unknown-ids',
      'malformed-ids',
    ]);
  });

  test('a computed ID is reported at its file and line, and what the plugin rejects too', async () => {
    const root = await mixed({
      'tests/test_computed.py': py(
        'import os',
        'import pytest',
        '',
        '@pytest.mark.requirement(os.environ["REQ"])',
        'def test_env():',
        '    pass',
        '',
        '@pytest.mark.requirement("smoke")',
        'def test_not_an_id():',
        '    pass',
        '',
        '@pytest.mark.requirement(7)',
        'def test_number():',
        '    pass',
      ),
    });
    const { report } = await traceProject({ root, trace: TRACE });
    const problems = report.problems
      .filter((p) => p.file === 'tests/test_computed.py')
      .map((p) => `${p.kind} ${p.line}:${p.column} ${p.message}`);
    expect(problems).toEqual([
      "unresolved-tags 4:26 cannot resolve the requirement IDs of this pytest test statically: `os.environ['REQ']`: `os` is imported from outside this project",
      'invalid-api 8:1 "smoke" is not a requirement ID (expected /^\\d{3}-FR-\\d{3}$/): pytest-incluster stops at collection',
      'invalid-api 12:2 requirement IDs are strings, got int 7: pytest-incluster stops at collection',
    ]);
    // One problem per cause: none of them is also untagged.
    expect(report.summary.untaggedTests).toBe(0);
  });

  test('trace.pytest gives pytest its paths: the nested project config applies, testpaths do not', async () => {
    const root = await makeProject({
      'specs/001-demo/spec.md': spec({ '001-FR-001': 'One.', '001-FR-002': 'Two.' }),
      'python/pkg/pyproject.toml': py(
        '[tool.pytest.ini_options]',
        'testpaths = ["tests/unit"]',
        'python_functions = ["check_"]',
      ),
      'python/pkg/tests/unit/test_u.py': py(
        'import pytest',
        '@pytest.mark.requirement("001-FR-001")',
        'def check_u():',
        '    pass',
      ),
      'python/pkg/tests/integration/test_i.py': py(
        'import pytest',
        '@pytest.mark.requirement("001-FR-002")',
        'def check_i():',
        '    pass',
      ),
      'scratch/test_scratch.py': py('def test_scratch():', '    pass'),
    });
    const { report, pytest } = await traceProject({
      root,
      trace: { ...TRACE, pytest: ['python/pkg/tests'] },
    });
    expect(pytest).toEqual([
      { args: ['python/pkg/tests'], rootdir: 'python/pkg', inifile: 'python/pkg/pyproject.toml', files: 2 },
    ]);
    expect(report.tests.map((t) => `${t.file}::${t.fullName}`).sort()).toEqual([
      'python/pkg/tests/integration/test_i.py::check_i',
      'python/pkg/tests/unit/test_u.py::check_u',
    ]);
    expect(report.gate.passed).toBe(true);
    const off = await traceProject({ root, trace: { ...TRACE, pytest: [] } });
    expect(off.report.summary.tests).toBe(0);
  });

  test('a test file that does not parse is exit 2 naming file, line and column', async () => {
    const root = await makeProject({ 'test_broken.py': 'def test_x(:\n    pass\n' });
    const error = await collectPytest({ root, format: compileIdFormat() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /test_broken\.py:1:\d+: a pytest test file does not parse: invalid syntax/,
    );
  });

  test('incluster trace prints where the pytest tests came from and gates on the plugin evidence', async () => {
    const root = await mixed();
    const passing = await cli(['trace'], root);
    expect(passing.status).toBe(0);
    expect(passing.err).toContain('pytest: 1 test files (rootdir .)');
    // Evidence as pytest-incluster writes it: file, line (pytest's location), node id after the path.
    const evidence = {
      schemaVersion: 1,
      kind: 'incluster-trace-evidence',
      createdAt: '2026-01-01T00:00:00.000Z',
      shards: [],
      moduleErrors: [],
      tests: [
        {
          file: 'test/a.test.ts',
          line: 3,
          fullName: 'ts',
          project: '',
          ids: ['001-FR-001'],
          tags: ['001-FR-001'],
          outcome: 'passed',
          durationMs: 1,
        },
        {
          file: 'tests/test_orders.py',
          line: 8,
          fullName: 'TestOrders::test_total[1]',
          project: '',
          ids: ['001-FR-002', '001-FR-003'],
          tags: [],
          outcome: 'failed',
          durationMs: 1,
        },
      ],
    };
    await writeFile(join(root, 'evidence.json'), JSON.stringify(evidence));
    const failing = await cli(['trace', '--require-passing', 'evidence.json'], root);
    expect(failing.status).toBe(1);
    expect(failing.out).toContain('failed requirements: 001-FR-002, 001-FR-003');
  });
});

describe.skipIf(!python3)('the collector as a file of the plugin', { tags: ['001-FR-160'] }, () => {
  test('runs from the package the CLI ships, and a project module named like one it imports shadows nothing', async () => {
    // json.py and ast.py in the project: python3 -c would import these instead of the standard library.
    const root = await makeProject({
      'json.py': 'raise SystemExit("the project json.py was imported")\n',
      'ast.py': 'raise SystemExit("the project ast.py was imported")\n',
      'tests/test_a.py': py(
        'import pytest',
        '',
        '@pytest.mark.requirement("001-FR-001")',
        'def test_a():',
        '    pass',
      ),
    });
    expect(PYTEST_COLLECTOR).toMatch(
      /python\/pytest-incluster\/src\/pytest_incluster\/collector\/__main__\.py$/,
    );
    // PYTHONPATH naming the project too: isolated mode ignores it.
    const saved = process.env.PYTHONPATH;
    process.env.PYTHONPATH = root;
    let collection;
    try {
      collection = await collectPytest({ root, format: compileIdFormat() });
    } finally {
      if (saved === undefined) delete process.env.PYTHONPATH;
      else process.env.PYTHONPATH = saved;
    }
    expect(collection?.tests.map((t) => [t.nodeid, t.tags])).toEqual([
      ['tests/test_a.py::test_a', ['001-FR-001']],
    ]);
  });
});
