// What `init` writes for CI, right the first time: the gate relaxed only for tests that name no
// requirement (and those named), a repository without a lockfile that still builds and installs,
// doctor's advice that makes its warning go away, secrets kept out of the runner image, the same
// test commands in the workflow as in the Makefile, and a Python project's own security and lint.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { actionlint } from '../../support/actionlint.ts';
import { runCliCaptured } from '../../support/cli.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { DockerIgnore } from '../../../src/runner/build-context.ts';
import { SECRET_DOCKER_IGNORED } from '../../../src/init/gitignore.ts';
import { PACKAGE_ROOT } from '../../../src/init/scaffold.ts';
import { BANDIT_VERSION, PIP_AUDIT_VERSION } from '../../../src/init/workflow.ts';

async function repo(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-github-ci-'));
  await mkdir(join(dir, '.git'));
  await writeFile(join(dir, '.git/HEAD'), 'ref: refs/heads/feature/add-incluster\n');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

const read = (dir: string, path: string) => readFile(join(dir, path), 'utf8');
const init = (cwd: string) => runCliCaptured(['init'], { cwd });

interface Workflow {
  jobs: Record<
    string,
    { steps: { name?: string; uses?: string; run?: string; with?: Record<string, unknown> }[] }
  >;
}
const runs = (workflow: Workflow, job: string) => workflow.jobs[job]!.steps.map((s) => s.run ?? '');

describe('trace.allowUntagged: only for untagged tests, which init names', { tags: ['001-FR-205'] }, () => {
  test('a repository whose tests all name requirements keeps the strict gate', async () => {
    const dir = await repo({
      'package.json': '{"name":"tagged","type":"module"}',
      'tests/unit/math.test.ts':
        "import { describe, test } from 'vitest';\ndescribe('math', { tags: ['001-FR-002'] }, () => {\n  test('adds', () => {});\n});\ntest('subtracts', { tags: ['001-FR-003'] }, () => {});\n",
    });
    const result = await init(dir);
    expect(result.status, result.err).toBe(0);
    expect(parse(await read(dir, 'incluster.config.yaml'))).toMatchObject({
      trace: { allowUntagged: false },
    });
    expect(result.out).toContain('Every existing test names a requirement: the trace gate stays strict');
  });

  test('untagged Vitest tests turn it on, each named in the output and the config', async () => {
    const dir = await repo({
      'package.json': '{"name":"mixed-tags","type":"module"}',
      'tests/unit/math.test.ts':
        "import { test } from 'vitest';\ntest('adds', { tags: ['001-FR-002'] }, () => {});\ntest('subtracts', () => {});\n",
      'tests/unit/slow.test.ts':
        "import { test } from 'vitest';\n\ntest('waits', { tags: ['slow'] }, () => {});\n",
    });
    const result = await init(dir);
    expect(result.status, result.err).toBe(0);
    expect(result.out).toContain('2 existing test(s) name no requirement yet');
    expect(result.out).toMatch(/^ {2}tests\/unit\/math\.test\.ts:3 subtracts$/m);
    expect(result.out).toMatch(/^ {2}tests\/unit\/slow\.test\.ts:3 waits$/m);
    expect(result.out).not.toMatch(/adds$/m);
    const config = await read(dir, 'incluster.config.yaml');
    expect(config).toContain(
      '# Untagged when init ran: tests/unit/math.test.ts:3 subtracts; tests/unit/slow.test.ts:3 waits.\n  allowUntagged: true\n',
    );
    // And the gate reads them the same way: listed, not failing.
    const trace = await runCliCaptured(['trace'], { cwd: dir });
    expect(trace.out).toMatch(/2 untagged/);
  });

  test('pytest tests are read by pytest’s rules: a marked file with one unmarked test is named', async () => {
    const dir = await repo({
      'pyproject.toml': '[project]\nname = "svc"\nversion = "0.1.0"\n',
      'uv.lock': 'version = 1\n',
      'tests/test_orders.py':
        'import pytest\n\n\n@pytest.mark.requirement("001-FR-002")\ndef test_total():\n    pass\n\n\ndef test_discount():\n    pass\n',
    });
    const result = await init(dir);
    expect(result.status, result.err).toBe(0);
    expect(result.out).toMatch(/^ {2}tests\/test_orders\.py:9 test_discount$/m);
    expect(parse(await read(dir, 'incluster.config.yaml'))).toMatchObject({ trace: { allowUntagged: true } });
  });
});

describe('a repository without a lockfile', { tags: ['001-FR-201'] }, () => {
  test('npm: the Dockerfile and workflow resolve package.json until a lockfile is committed', async () => {
    const dir = await repo({ 'package.json': '{"name":"no-lock","type":"module"}' });
    const result = await init(dir);
    expect(result.status, result.err).toBe(0);
    expect(result.out).toContain('No package-lock.json yet: the runner image and CI resolve package.json');
    const dockerfile = await read(dir, 'testing/Dockerfile');
    expect(dockerfile).toMatch(/^COPY package\.json package-lock\.json\* \.\/$/m);
    expect(dockerfile).toContain(
      'if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi',
    );
    const workflow = parse(await read(dir, '.github/workflows/ci.yml')) as Workflow;
    for (const job of ['lint-typecheck', 'unit-tests', 'security', 'integration-tests', 'traceability']) {
      expect(runs(workflow, job), job).toContain(
        'if [ -f package-lock.json ]; then npm ci; else npm install --no-audit --no-fund; fi',
      );
      const setup = workflow.jobs[job]!.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
      expect(setup?.with).toMatchObject({ cache: 'npm', 'cache-dependency-path': 'package*.json' });
    }
    expect((await actionlint(dir)).exitCode).toBe(0);
  }, 300_000);

  test('a lockfile .gitignore names is not there in CI: the same', async () => {
    const dir = await repo({
      'package.json': '{"name":"ignored-lock"}',
      'package-lock.json': '{"lockfileVersion":3}',
      '.gitignore': 'node_modules/\n/package-lock.json\n',
    });
    expect((await init(dir)).out).toContain('No package-lock.json that git keeps');
    expect(await read(dir, 'testing/Dockerfile')).toMatch(/^COPY package\.json package-lock\.json\* \.\/$/m);
  });

  test('pnpm without pnpm-lock.yaml installs without freezing it', async () => {
    const dir = await repo({ 'package.json': '{"name":"p","packageManager":"pnpm@9.15.9"}' });
    await init(dir);
    const dockerfile = await read(dir, 'testing/Dockerfile');
    expect(dockerfile).toMatch(
      /^COPY package\.json pnpm-lock\.yaml\* pnpm-workspace\.yaml\* \.npmrc\* \.\/$/m,
    );
    expect(dockerfile).toContain(
      'if [ -f pnpm-lock.yaml ]; then pnpm install --frozen-lockfile; else pnpm install --no-frozen-lockfile; fi',
    );
  });

  test('doctor names the command that writes the missing lockfile, and after it the warning is gone', async () => {
    // Init before the install, as people do: no package.json yet, so the Dockerfile expects the
    // lockfile the install writes. This project then never committed one.
    const dir = await repo({});
    expect((await init(dir)).status).toBe(0);
    await writeFile(join(dir, 'package.json'), '{"name":"late","version":"1.0.0"}\n');
    const doctor = async () => {
      const result = await runCliCaptured(['doctor', '--provider', 'existing', '--json'], {
        cwd: dir,
        env: { ...process.env, KUBECONFIG: join(dir, 'missing-kubeconfig') },
      });
      return (JSON.parse(result.out) as { project: { warnings: { message: string; fix: string }[] } }).project
        .warnings;
    };
    const [warning] = await doctor();
    expect(warning?.message).toContain('copies package-lock.json, which this project does not have');
    expect(warning?.fix).toMatch(/^write it with `npm install --package-lock-only` and commit it/);
    const command = /`([^`]+)`/.exec(warning!.fix)![1]!.split(' ');
    expect((await runCommand(command[0]!, command.slice(1), { cwd: dir, timeoutMs: 120_000 })).exitCode).toBe(
      0,
    );
    expect(await doctor()).toEqual([]);
  }, 180_000);
});

describe('secrets stay out of the runner image', { tags: ['001-FR-206'] }, () => {
  const SECRETS = [
    '.env',
    '.env.local',
    'services/api/.env.production',
    '.envrc',
    'certs/server.key',
    'deploy/tls.pem',
    'keys/id_ed25519',
    'home/.ssh/config',
    '.aws/credentials',
    'ops/prod.kubeconfig',
    '.docker/config.json',
    'gcp/ci-service-account.json',
    '.netrc',
  ];

  test('the .dockerignore init writes leaves them out of the build context, sources stay in', async () => {
    const dir = await repo({ 'package.json': '{"name":"s"}' });
    await init(dir);
    const ignore = new DockerIgnore(await read(dir, '.dockerignore'));
    for (const path of SECRETS) expect(ignore.ignores(path), path).toBe(true);
    for (const path of [
      'src/env.ts',
      'tests/keys.test.ts',
      'package.json',
      'testing/Dockerfile',
      'docs/environment.md',
    ])
      expect(ignore.ignores(path), path).toBe(false);
    // The template and the list init adds to an existing .dockerignore are one list.
    const template = await readFile(join(PACKAGE_ROOT, 'templates/init/.dockerignore'), 'utf8');
    expect(template.split('\n').filter((l) => l.startsWith('**/'))).toEqual([...SECRET_DOCKER_IGNORED]);
  });

  test('added to an existing .dockerignore, the user’s exceptions still win', async () => {
    const dir = await repo({ 'package.json': '{"name":"s"}', '.dockerignore': 'node_modules\n!.env.test\n' });
    await init(dir);
    const ignore = new DockerIgnore(await read(dir, '.dockerignore'));
    for (const path of SECRETS) expect(ignore.ignores(path), path).toBe(true);
    expect(ignore.ignores('.env.test')).toBe(false);
    // A second init adds nothing more.
    const before = await read(dir, '.dockerignore');
    await init(dir);
    expect(await read(dir, '.dockerignore')).toBe(before);
  });
});

describe('the workflow runs what the Makefile runs', { tags: ['001-FR-202'] }, () => {
  test('unit and integration commands are the Makefile targets’ own', async () => {
    const dir = await repo({
      'package.json': '{"name":"paths","type":"module"}',
      'package-lock.json': '{"lockfileVersion":3}',
      'vitest.config.ts':
        "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['spec/**/*.spec.ts'] } });\n",
    });
    expect((await init(dir)).status).toBe(0);
    const make = await runCommand('make', ['--no-print-directory', '-n', 'test-unit', 'test-integration'], {
      cwd: dir,
    });
    const workflow = parse(await read(dir, '.github/workflows/ci.yml')) as Workflow;
    const [unit] = make.stdout.trim().split('\n');
    expect(unit).toBe(
      "npx vitest run --exclude 'spec/integration/**' --exclude 'spec/e2e/**' --passWithNoTests",
    );
    expect(runs(workflow, 'unit-tests')).toContain(unit);
    expect(make.stdout).toContain('npx incluster run -- spec/integration\n');
    expect(runs(workflow, 'integration-tests')).toContain(
      'npx incluster run --provider kind -- spec/integration',
    );
  });
});

const PYPROJECT = `[project]
name = "orders"
version = "0.1.0"
dependencies = ["psycopg[binary]>=3.1"]

[dependency-groups]
dev = ["pytest>=8", "ruff>=0.6"]

[tool.ruff]
line-length = 100

[tool.mypy]
strict = true
`;

describe('a Python project’s security and lint in CI', { tags: ['001-FR-207'] }, () => {
  test('pip-audit on the exported lock, Bandit on src at medium and above, its ruff and mypy, the plugin in the unit tests', async () => {
    const dir = await repo({
      'pyproject.toml': PYPROJECT,
      'uv.lock': 'version = 1\n\n[[package]]\nname = "ruff"\nversion = "0.6.9"\n',
      'src/orders/__init__.py': '',
      'tests/unit/test_total.py': 'def test_total():\n    assert 1 + 1 == 2\n',
    });
    expect((await init(dir)).status).toBe(0);
    const workflow = parse(await read(dir, '.github/workflows/ci.yml')) as Workflow;
    const security = runs(workflow, 'security').join('\n');
    expect(security).toContain(
      'uv export --frozen --all-groups --all-extras --no-emit-project --quiet --output-file "$RUNNER_TEMP/audited-requirements.txt"',
    );
    expect(security).toContain(
      `uvx pip-audit@${PIP_AUDIT_VERSION} --disable-pip --requirement "$RUNNER_TEMP/audited-requirements.txt"`,
    );
    expect(security).toContain(`uvx bandit@${BANDIT_VERSION} --recursive src --severity-level medium`);
    // ruff from the project's lock; mypy configured only, so a pinned one over the sources.
    const lint = runs(workflow, 'lint-typecheck');
    expect(lint).toContain('uv run --frozen ruff check --output-format=github .');
    expect(lint).toContainEqual(expect.stringMatching(/^uv run --frozen --with mypy==[\d.]+ mypy src$/));
    expect(runs(workflow, 'unit-tests').join('\n')).toContain(
      'uv run --frozen --with ./node_modules/incluster/python/pytest-incluster pytest tests --ignore=tests/integration --ignore=tests/e2e --junitxml=test-results/junit-pytest.xml --incluster-evidence=test-results/traceability-pytest.json',
    );
    expect((await actionlint(dir)).stdout).toBe('');
  }, 300_000);

  test('without uv.lock: the requirements resolved and hashed by uv for pip-audit; its ruff from them, no mypy', async () => {
    const dir = await repo({
      'pyproject.toml': '[project]\nname = "p"\nversion = "0.1.0"\n',
      'requirements.txt': 'psycopg==3.2.3\n',
      'requirements-dev.txt': 'ruff ==0.6.9\n',
      'orders/__init__.py': '',
      'tests/test_a.py': 'def test_a():\n    pass\n',
    });
    expect((await init(dir)).status).toBe(0);
    const workflow = parse(await read(dir, '.github/workflows/ci.yml')) as Workflow;
    const security = runs(workflow, 'security').join('\n');
    expect(security).toContain(
      'uv pip compile -r requirements.txt -r requirements-dev.txt --generate-hashes --quiet --output-file "$RUNNER_TEMP/audited-requirements.txt"',
    );
    expect(security).toContain(`uvx bandit@${BANDIT_VERSION} --recursive orders --severity-level medium`);
    const lint = runs(workflow, 'lint-typecheck');
    expect(lint).toContain('uv venv && uv pip install -r requirements.txt -r requirements-dev.txt');
    expect(lint).toContain('uv run --no-sync ruff check --output-format=github .');
    expect(lint.join('\n')).not.toContain('mypy');
    await rm(join(dir, 'orders'), { recursive: true });
  });
});
