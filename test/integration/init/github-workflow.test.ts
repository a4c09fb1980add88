// The workflow `incluster init` writes, run as GitHub would run it, in three repositories made the way
// users' are, on a feature branch: npm without a lockfile (.npmrc says package-lock=false), pnpm, and a
// uv project. Each installs incluster's packed tarball (served over HTTP like a registry's), runs
// `npx incluster init`, tags its own unit test with a requirement it adds to the spec, commits, and then
// every `run:` step of .github/workflows/ci.yml runs, job after job, with the variables a runner sets
// ($GITHUB_STEP_SUMMARY a file per step) in a fresh clone per job (test/support/github-runner.ts),
// against the shared local cluster. Every step passes and the job summaries hold the run and the
// traceability tables. Then, in the npm and the uv repository, the example integration test's assertion
// is broken: the integration, traceability and ci-success jobs run again (the other jobs' results and
// artifacts are taken from the first run: the change is in a file they exclude), and the broken
// assertion gives exactly one `::error` at its file and line, the trace gate fails naming the
// requirement, and ci-success fails.
//
// What cannot run here, and what stands in for it:
// - the actions (`uses:`): checkout is a `git clone` of the branch, setup-node the Node.js on PATH
//   (checked against .nvmrc), upload/download-artifact copies through a local store;
// - helm/kind-action and its cluster: the shared local cluster. The integration job's `incluster up`
//   and `incluster run` steps run with `--provider local` in place of `--provider kind`, and each
//   project's config names the shared cluster (floe-test), as a user with a cluster of their own does;
// - `kind export logs` (only after a failure): needs the kind binary the kind-action installs; skipped;
// - the gitleaks step: downloads its release from GitHub, which this machine cannot reach; skipped;
// - the dependency audits (npm audit, pnpm audit, pip-audit) run; the registries' advisory services
//   are not reachable here, so an audit that fails only because its service did not answer is
//   accepted, and recorded as such (pip-audit skips what it cannot look up and passes);
// - pipx, which GitHub's runners have: installed from PyPI into the test's tool cache, like a runner's
//   global npm prefix (where the pnpm repository's `npm install --global pnpm@…` goes).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WorkflowRunner, type JobRecord } from '../../support/github-runner.ts';
import {
  explain,
  expectSuccess,
  packIncluster,
  serveTarball,
  sh,
  userEnv,
} from '../../support/scratch-project.ts';
import { uvBinDir } from '../../support/uv.ts';
import type { RunResult } from '../../../src/process/exec.ts';

const SHARED_CLUSTER = 'floe-test';
const BRANCH = 'feature/add-incluster';
const PNPM = 'pnpm@9.15.9';

const work = { dir: '', url: '', close: async () => {}, env: {} as NodeJS.ProcessEnv };

interface Kind {
  label: string;
  dir: string;
  /** Files of the repository before incluster, its own unit test among them. */
  files: Record<string, string>;
  install: (dir: string) => Promise<RunResult>;
  /** The example integration test, and the edit that breaks its assertion (undefined: not broken here). */
  example: string;
  breakIt?: { from: string; to: string };
  integrationDir: string;
}

const GREETING_TEST =
  "import { expect, test } from 'vitest';\nimport { greet } from '../../src/greeting.ts';\n\ntest('greets by name', { tags: ['001-FR-002'] }, () => {\n  expect(greet('Ada')).toBe('Hello, Ada!');\n});\n";
const GREETING = 'export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n';

const KINDS: Kind[] = [
  {
    label: 'npm without a lockfile',
    dir: 'npm-no-lock',
    files: {
      'package.json': '{ "name": "greeter", "version": "1.0.0", "private": true, "type": "module" }\n',
      // The team keeps no lockfile.
      '.npmrc': 'package-lock=false\n',
      'src/greeting.ts': GREETING,
      'test/unit/greeting.test.ts': GREETING_TEST,
    },
    install: async (dir) =>
      sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', work.url, await vitestSpec()], {
        cwd: dir,
        env: work.env,
      }),
    example: 'test/integration/example.test.ts',
    breakIt: { from: "expect(address).not.toBe('');", to: "expect(address).toBe('');" },
    integrationDir: 'test/integration',
  },
  {
    label: 'pnpm',
    dir: 'pnpm',
    files: {
      'package.json': `{ "name": "greeter-pnpm", "version": "1.0.0", "private": true, "type": "module", "packageManager": "${PNPM}" }\n`,
      'src/greeting.ts': GREETING,
      'test/unit/greeting.test.ts': GREETING_TEST,
    },
    install: async (dir) =>
      sh('npx', ['--yes', PNPM, 'add', '--save-dev', work.url, await vitestSpec()], {
        cwd: dir,
        env: work.env,
      }),
    example: 'test/integration/example.test.ts',
    integrationDir: 'test/integration',
  },
  {
    label: 'a uv project',
    dir: 'uv',
    files: {
      'pyproject.toml':
        '[project]\nname = "orders-service"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = ["psycopg[binary]>=3.1"]\n\n[dependency-groups]\ndev = ["pytest>=8", "ruff>=0.6"]\n\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
      'src/orders_service/__init__.py':
        'def total(prices):\n    """The sum of an order\'s prices."""\n    return sum(prices)\n',
      'tests/unit/test_total.py':
        'import pytest\n\nfrom orders_service import total\n\n\n@pytest.mark.requirement("001-FR-002")\ndef test_total_adds_the_prices():\n    assert total([3, 4]) == 7\n',
      'package.json': '{ "name": "orders-service", "version": "0.1.0", "private": true }\n',
    },
    install: async (dir) => {
      const lock = await sh('uv', ['lock', '--quiet'], { cwd: dir, env: work.env, timeoutMs: 180_000 });
      if (lock.exitCode !== 0) return lock;
      return sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', work.url], {
        cwd: dir,
        env: work.env,
      });
    },
    example: 'tests/integration/test_example.py',
    breakIt: { from: '== (1,)', to: '== (2,)' },
    integrationDir: 'tests/integration',
  },
];

async function vitestSpec(): Promise<string> {
  const { devDependencies } = JSON.parse(
    await readFile(join(import.meta.dirname, '../../../package.json'), 'utf8'),
  ) as { devDependencies: Record<string, string> };
  return `vitest@${devDependencies.vitest}`;
}

beforeAll(async () => {
  work.dir = await mkdtemp(join(tmpdir(), 'incluster-github-workflow-'));
  // A runner's tools: a global npm prefix and pipx (GitHub's images have both), uv for the user.
  const tools = join(work.dir, 'toolcache');
  const pipxVenv = join(tools, 'pipx-venv');
  const base = userEnv();
  expectSuccess(await sh('python3', ['-m', 'venv', pipxVenv], { cwd: work.dir, env: base }));
  expectSuccess(
    await sh(join(pipxVenv, 'bin/python'), ['-m', 'pip', 'install', '--quiet', 'pipx'], {
      cwd: work.dir,
      env: base,
      timeoutMs: 300_000,
    }),
  );
  const uv = await uvBinDir();
  work.env = userEnv({
    NPM_CONFIG_PREFIX: join(tools, 'npm-global'),
    PIPX_HOME: join(tools, 'pipx'),
    PIPX_BIN_DIR: join(tools, 'pipx-bin'),
    PATH: [
      join(tools, 'npm-global/bin'),
      join(tools, 'pipx-bin'),
      join(pipxVenv, 'bin'),
      uv,
      process.env.PATH,
    ].join(':'),
  });
  const served = await serveTarball(await packIncluster(work.dir));
  work.url = served.url;
  work.close = served.close;
}, 900_000);

afterAll(async () => {
  await work.close();
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

/** Every step that ran (not stood in for) passed, or failed only for the network's reason. */
function expectGreen(jobs: Map<string, JobRecord>): void {
  for (const job of jobs.values()) {
    for (const step of job.steps.filter((s) => s.kind === 'run'))
      expect(
        step.exitCode === 0 || step.standIn?.startsWith('network:'),
        `${job.name} › ${step.name}\n${step.output.slice(-4000)}`,
      ).toBe(true);
    expect(job.result, job.name).toBe('success');
  }
}

/** `::error` lines of every step, and of which steps. */
function errorLines(jobs: Iterable<JobRecord>): { job: string; step: string; line: string }[] {
  return [...jobs].flatMap((job) =>
    job.steps.flatMap((step) =>
      step.output
        .split('\n')
        .filter((line) => line.startsWith('::error'))
        .map((line) => ({ job: job.name, step: step.name, line })),
    ),
  );
}

describe.each(KINDS)('the generated workflow in $label', { tags: ['001-FR-213'] }, (kind) => {
  const state = { repo: '', runner: undefined as WorkflowRunner | undefined, green: false };

  const runnerFor = (name: string) =>
    WorkflowRunner.load({
      repo: state.repo,
      branch: BRANCH,
      workflowFile: join(state.repo, '.github/workflows/ci.yml'),
      workDir: join(work.dir, `${kind.dir}-${name}`),
      env: work.env,
      rewrite: (_job, _step, script) =>
        script.includes('--provider kind')
          ? {
              script: script.replaceAll('--provider kind', '--provider local'),
              standIn: 'the kind cluster stood in for by the shared local cluster (--provider local)',
            }
          : undefined,
      skip: (_job, step) =>
        step.run?.includes('gitleaks')
          ? 'needs the network: downloads gitleaks from GitHub'
          : step.run?.startsWith('kind export logs')
            ? 'needs the kind binary and cluster of helm/kind-action'
            : undefined,
      networkFailure: (_job, step, output) =>
        /\baudit\b/.test(step.run ?? '') &&
        /audit endpoint returned an error|ERR_PNPM_AUDIT_BAD_RESPONSE|40[45] /.test(output)
          ? 'network: the advisory service of the registry is not reachable from this machine'
          : undefined,
    });

  beforeAll(async () => {
    expect(work.url, 'packing incluster failed (see the first beforeAll)').not.toBe('');
    state.repo = join(work.dir, kind.dir);
    await mkdir(state.repo, { recursive: true });
    const git = (...args: string[]) =>
      sh('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
        cwd: state.repo,
        env: work.env,
      });
    expectSuccess(await git('init', '--quiet', '--initial-branch=main'));
    for (const [path, content] of Object.entries(kind.files)) {
      await mkdir(join(state.repo, path, '..'), { recursive: true });
      await writeFile(join(state.repo, path), content);
    }
    await writeFile(join(state.repo, '.gitignore'), 'node_modules/\n.venv/\n');
    expectSuccess(await git('add', '-A'));
    expectSuccess(await git('commit', '--quiet', '-m', 'the project before incluster'));
    expectSuccess(await git('checkout', '--quiet', '-b', BRANCH));
    expectSuccess(await kind.install(state.repo));
    const init = await sh('npx', ['incluster', 'init'], { cwd: state.repo, env: work.env });
    expectSuccess(init);
    // The project's test names its requirement: the gate stays strict, and CI runs on main.
    expect(init.stdout, explain(init)).toContain('Every existing test names a requirement');
    expect(init.stdout, explain(init)).toContain('runs on pull requests and on pushes to main');
    const spec = join(state.repo, 'specs/001-example/spec.md');
    await writeFile(
      spec,
      `${await readFile(spec, 'utf8')}- **001-FR-002** The project's own unit behaviour.\n`,
    );
    const config = join(state.repo, 'incluster.config.yaml');
    await writeFile(
      config,
      (await readFile(config, 'utf8'))
        .replace(/^ {2}name: .*$/m, `  name: ${SHARED_CLUSTER}`)
        .replace(/^namespace: .*$/m, `namespace: ${SHARED_CLUSTER}`),
    );
    expectSuccess(await git('add', '-A'));
    expectSuccess(await git('commit', '--quiet', '-m', 'Adopt incluster'));
  }, 900_000);

  test(
    'every run: step passes, job after job; the summaries hold the run and the traceability tables',
    { tags: ['001-FR-202', '001-FR-204', '001-FR-207', '001-FR-209', '001-FR-210'], timeout: 1_800_000 },
    async () => {
      const runner = (state.runner = await runnerFor('green'));
      const jobs = await runner.run();
      expectGreen(jobs);
      expect([...jobs.keys()]).toEqual([
        'lint-typecheck',
        'unit-tests',
        'security',
        'integration-tests',
        'traceability',
        'ci-success',
      ]);
      const integration = jobs.get('integration-tests')!;
      expect(integration.summary).toMatch(/^### incluster run `[\w-]+`: PASSED$/m);
      expect(integration.summary).toMatch(
        /^\| 0 \| incluster-runner-[\w-]+ \| \S+ \| exit 0 \| [\d.]+s \|$/m,
      );
      expect(integration.summary).toContain('Requirements verified in the cluster: 1 passed (001-FR-001)');
      const gate = jobs.get('traceability')!;
      expect(gate.summary).toMatch(/^### Requirement traceability: gate passed$/m);
      for (const id of ['001-FR-001', '001-FR-002'])
        expect(gate.summary).toMatch(
          new RegExp(
            `^\\| \\[${id}\\]\\(https://github\\.com/acme/scratch/blob/c0ffee0+/specs/001-example/spec\\.md#L\\d+\\) \\| passed \\| 1 \\|`,
            'm',
          ),
        );
      // The same paths as the Makefile: the in-cluster run was given the integration directory.
      expect(integration.steps.find((s) => s.name.startsWith('incluster run'))!.command).toContain(
        `-- ${kind.integrationDir}`,
      );
      // No annotation in a green run.
      expect(errorLines(jobs.values())).toEqual([]);
      state.green = true;
    },
  );

  test.runIf(kind.breakIt)(
    'a broken assertion: one ::error at its line, a trace gate failing on the requirement, a red ci-success',
    { tags: ['001-FR-208', '001-FR-204'], timeout: 900_000 },
    async () => {
      expect(state.green, 'the green run failed above').toBe(true);
      const example = join(state.repo, kind.example);
      const text = await readFile(example, 'utf8');
      expect(text).toContain(kind.breakIt!.from);
      await writeFile(example, text.replace(kind.breakIt!.from, kind.breakIt!.to));
      const line = text.slice(0, text.indexOf(kind.breakIt!.from)).split('\n').length;
      const git = (...args: string[]) =>
        sh('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
          cwd: state.repo,
          env: work.env,
        });
      expectSuccess(await git('commit', '--quiet', '-am', 'Break the example'));
      const runner = await runnerFor('broken');
      // Unit tests, lint and security cannot change with the example integration test: the first run's.
      await runner.adopt(state.runner!, ['lint-typecheck', 'unit-tests', 'security'], ['unit-test-results']);
      const jobs = await runner.run(['integration-tests', 'traceability', 'ci-success']);
      expect(jobs.get('integration-tests')!.result).toBe('failure');
      const errors = errorLines(jobs.values());
      expect(
        errors.map((e) => `${e.job} › ${e.step}`),
        JSON.stringify(errors, null, 2),
      ).toEqual(['integration-tests › incluster run (the integration tests inside the cluster)']);
      expect(errors[0]!.line).toMatch(
        new RegExp(`^::error file=${kind.example.replaceAll('.', '\\.')},line=${line},`),
      );
      const gate = jobs.get('traceability')!;
      expect(gate.result).toBe('failure');
      const trace = gate.steps.find((s) => s.name.startsWith('Requirement gate'))!;
      expect(trace.exitCode, trace.output).toBe(1);
      expect(trace.output).toContain('failed requirements: 001-FR-001');
      expect(gate.summary).toMatch(/^\| \[001-FR-001\]\(\S+\) \| failed \| 1 \|/m);
      const success = jobs.get('ci-success')!;
      expect(success.result).toBe('failure');
      expect(success.steps[0]!.output).toContain('integration-tests: failure');
      expect(jobs.get('integration-tests')!.summary).toMatch(/^### incluster run `[\w-]+`: FAILED$/m);
    },
  );
});
