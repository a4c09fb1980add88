// A Python project adopts incluster the way its users would: a uv project with its own pyproject.toml,
// uv.lock, sources and a unit test, `npm install --save-dev` of incluster's packed tarball (the CLI is
// an npm package), then `npx incluster init`. Its unit tests pass on the host with `make test-unit`;
// `npx incluster run` builds the generated uv runner image (Python and uv built on this machine by the
// local provider, incluster's pytest plugin staged into the build context), runs pytest in the shared
// local cluster, where `psycopg.connect()` with no arguments reaches PostgreSQL, and copies pytest's
// JUnit and the plugin's evidence out; `incluster trace --require-passing` gates on that evidence. A
// broken assertion then exits 1 with the failure in the JUnit, and the gate fails on it.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { explain, expectSuccess, packIncluster, sh as run, userEnv } from '../../support/scratch-project.ts';
import { uvBinDir } from '../../support/uv.ts';
import type { RunReport } from '../../../src/runner/report.ts';

const work = { dir: '', project: '', env: {} as NodeJS.ProcessEnv };
const done = { install: false, init: false, run: false };
let passedRun: RunReport | undefined;

function sh(file: string, args: string[], timeoutMs?: number) {
  return run(file, args, { cwd: work.project, env: work.env, timeoutMs });
}

const PYPROJECT = `[project]
name = "orders-service"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["psycopg[binary]>=3.1"]

[dependency-groups]
dev = ["pytest>=8"]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
`;

beforeAll(async () => {
  work.dir = await mkdtemp(join(tmpdir(), 'incluster-init-pytest-'));
  work.project = join(work.dir, 'orders-service');
  await mkdir(join(work.project, 'src/orders_service'), { recursive: true });
  await mkdir(join(work.project, 'tests/unit'), { recursive: true });
  // uv on the PATH, as a uv user has it.
  const uv = await uvBinDir();
  work.env = userEnv({ PATH: `${uv}:${process.env.PATH ?? ''}` });
  expectSuccess(await sh('git', ['init', '--quiet']));
  await writeFile(join(work.project, 'pyproject.toml'), PYPROJECT);
  await writeFile(
    join(work.project, 'src/orders_service/__init__.py'),
    'def total(prices):\n    """The sum of an order\'s prices."""\n    return sum(prices)\n',
  );
  await writeFile(
    join(work.project, 'tests/unit/test_total.py'),
    'from orders_service import total\n\n\ndef test_total_adds_the_prices():\n    assert total([3, 4]) == 7\n',
  );
  // The project's lock, made by the user before adopting incluster.
  expectSuccess(await sh('uv', ['lock', '--quiet'], 180_000));
  await writeFile(
    join(work.project, 'package.json'),
    `${JSON.stringify({ name: 'orders-service', version: '0.1.0', private: true }, null, 2)}\n`,
  );
  const tarball = await packIncluster(work.dir);
  expectSuccess(await sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball]));
  done.install = true;
}, 600_000);

afterAll(async () => {
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

describe('a Python project scaffolded by incluster init, end to end', { tags: ['001-FR-110'] }, () => {
  test('`npx incluster init` writes the pytest runner into the uv project', async () => {
    expect(done.install, 'installing incluster into the project failed (see beforeAll)').toBe(true);
    const init = await sh('npx', ['incluster', 'init']);
    expectSuccess(init);
    for (const path of ['incluster.config.yaml', 'testing/Dockerfile', 'tests/integration/test_example.py'])
      expect(init.stdout, explain(init)).toMatch(new RegExp(`^created\\s+${path}$`, 'm'));
    expect(init.stdout, explain(init)).toMatch(/^edited\s+pyproject\.toml/m);
    expect(existsSync(join(work.project, 'vitest.config.ts'))).toBe(false);
    // The shared cluster of the suite, as a user with an existing cluster would configure.
    const configFile = join(work.project, 'incluster.config.yaml');
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8'))
        .replace(/^ {2}name: orders-service$/m, '  name: floe-test')
        .replace(/^namespace: orders-service$/m, 'namespace: floe-test'),
    );
    done.init = true;
  });

  test('its unit tests pass on the host (`make test-unit`) with the marker registered, without the cluster tests', async () => {
    expect(done.init, 'init failed above').toBe(true);
    const unit = await sh('make', ['--no-print-directory', 'test-unit'], 300_000);
    expectSuccess(unit);
    expect(unit.stdout, explain(unit)).toMatch(/1 passed/);
    expect(unit.stdout, explain(unit)).not.toContain('test_example');
  });

  test(
    'pytest passes inside the cluster via `npx incluster run`: psycopg.connect() with no arguments, JUnit and evidence copied out',
    { tags: ['001-FR-111', '001-FR-112', '001-FR-114'], timeout: 600_000 },
    async () => {
      expect(done.init, 'init failed above').toBe(true);
      const result = await sh(
        'npx',
        ['incluster', 'run', '--provider', 'local', '--json', '--', 'tests/integration'],
        540_000,
      );
      expectSuccess(result);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report, explain(result)).toMatchObject({ outcome: 'passed', exitStatus: 0 });
      expect(report.tests, explain(result)).toMatchObject({ tests: 1, failures: 0, errors: 0 });
      const dir = join(work.project, 'test-results', report.runId);
      const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
      expect(junit).toContain('test_postgres_answers_through_cluster_dns');
      expect(junit).toContain('<property name="requirements" value="001-FR-001"');
      expect(existsSync(join(dir, 'shard-0/junit-pytest.xml'))).toBe(true);
      const evidence = JSON.parse(await readFile(join(dir, 'shard-0/traceability.json'), 'utf8')) as {
        tests: { file: string; ids: string[]; outcome: string }[];
      };
      expect(evidence.tests).toEqual([
        expect.objectContaining({
          file: 'tests/integration/test_example.py',
          ids: ['001-FR-001'],
          outcome: 'passed',
        }),
      ]);
      // The plugin was staged for the build, and is the project's to ignore.
      expect(existsSync(join(work.project, '.incluster-plugins/pytest-incluster/pyproject.toml'))).toBe(true);
      expect(await readFile(join(work.project, '.gitignore'), 'utf8')).toMatch(/^\.incluster-plugins\/$/m);
      passedRun = report;
      done.run = true;
    },
  );

  test(
    '`incluster trace --require-passing` passes on the copied evidence',
    { tags: ['001-FR-114'] },
    async () => {
      expect(done.run, 'the in-cluster run failed above').toBe(true);
      const evidence = `test-results/${passedRun!.runId}/shard-0/traceability.json`;
      const gate = await sh('npx', ['incluster', 'trace', '--require-passing', evidence], 120_000);
      expectSuccess(gate);
      expect(gate.stdout, explain(gate)).toMatch(/^001-FR-001\s+passed/m);
    },
  );

  test(
    'a broken assertion: the run exits 1 with the failure in the JUnit, and the gate fails on it',
    { tags: ['001-FR-114'], timeout: 600_000 },
    async () => {
      expect(done.run, 'the passing run failed above').toBe(true);
      const example = join(work.project, 'tests/integration/test_example.py');
      const text = await readFile(example, 'utf8');
      expect(text).toContain('== (1,)');
      await writeFile(example, text.replace('== (1,)', '== (2,)'));
      const result = await sh(
        'npx',
        ['incluster', 'run', '--provider', 'local', '--json', '--', 'tests/integration'],
        540_000,
      );
      expect(result.exitCode, explain(result)).toBe(1);
      const report = JSON.parse(result.stdout) as RunReport;
      expect(report, explain(result)).toMatchObject({ outcome: 'failed', exitStatus: 1 });
      const junit = await readFile(join(work.project, 'test-results', report.runId, 'junit.xml'), 'utf8');
      expect(junit).toMatch(/<failure[^>]*>[\s\S]*assert \(1,\) == \(2,\)/);
      const evidence = `test-results/${report.runId}/shard-0/traceability.json`;
      const gate = await sh('npx', ['incluster', 'trace', '--require-passing', evidence], 120_000);
      expect(gate.exitCode, explain(gate)).toBe(1);
      expect(gate.stdout, explain(gate)).toMatch(/^001-FR-001\s+failed/m);
    },
  );
});
