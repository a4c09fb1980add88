// `incluster init` in Python repositories: what it learns (installer, pytest config, test root),
// the runner Dockerfile per installer, the marker registration per config file, the Makefile and
// workflow, and a repository with both Vitest and pytest.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { actionlint } from '../../support/actionlint.ts';
import { runCliCaptured } from '../../support/cli.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { dockerfileMismatch } from '../../../src/init/package-manager.ts';
import { findPytestConfig, firstTestpath, inspectPython } from '../../../src/init/python-project.ts';
import { REQUIREMENT_MARKER, registerRequirementMarker } from '../../../src/init/python-render.ts';

async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-init-py-'));
  await mkdir(join(dir, '.git'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

const PYPROJECT =
  '[project]\nname = "Orders_Service"\nversion = "0.1.0"\ndependencies = ["psycopg[binary]"]\n';

describe('init learns a Python project', { tags: ['001-FR-110'] }, () => {
  test('the installer comes from the lockfile: uv.lock, then requirements files, else pyproject.toml', async () => {
    expect(inspectPython(await repo({ 'pyproject.toml': PYPROJECT, 'uv.lock': '' }))?.installer).toBe('uv');
    const pinned = inspectPython(
      await repo({
        'pyproject.toml': PYPROJECT,
        'requirements-dev.txt': 'pytest==9.2.0\n',
        'requirements.txt': 'psycopg==3.2\n',
      }),
    );
    expect(pinned?.installer).toBe('requirements');
    expect(pinned?.requirements).toEqual(['requirements.txt', 'requirements-dev.txt']);
    const poetry = inspectPython(await repo({ 'pyproject.toml': PYPROJECT, 'poetry.lock': '' }));
    expect(poetry).toMatchObject({ installer: 'pyproject', poetryLock: true });
    // requirements files alone make a Python project only with pytest tests beside them
    expect(inspectPython(await repo({ 'requirements.txt': 'x\n' }))).toBeUndefined();
    expect(inspectPython(await repo({ 'requirements.txt': 'x\n', 'tests/test_a.py': '' }))?.installer).toBe(
      'requirements',
    );
    expect(inspectPython(await repo({ 'package.json': '{}' }))).toBeUndefined();
  });

  test('pytest’s config file by pytest’s precedence, and the test root from testpaths', async () => {
    const both = await repo({
      'pyproject.toml': `${PYPROJECT}\n[tool.pytest.ini_options]\ntestpaths = ["qa/tests", "more"]\n`,
      'setup.cfg': '[tool:pytest]\ntestpaths = other\n',
    });
    expect(findPytestConfig(both)).toBe('pyproject.toml');
    expect(inspectPython(both)).toMatchObject({
      testRoot: 'qa/tests',
      integrationDir: 'qa/tests/integration',
      exampleTest: 'qa/tests/integration/test_example.py',
    });
    const ini = await repo({
      'pyproject.toml': PYPROJECT,
      'pytest.ini': '[pytest]\ntestpaths = ./checks/\n',
    });
    expect(findPytestConfig(ini)).toBe('pytest.ini');
    expect(inspectPython(ini)?.testRoot).toBe('checks');
    expect(firstTestpath('[pytest]\naddopts = -q\n', 'tox.ini')).toBeUndefined();
    // a [tool.pytest.ini_options]-less pyproject is not pytest's config
    expect(findPytestConfig(await repo({ 'pyproject.toml': PYPROJECT }))).toBeUndefined();
    expect(inspectPython(await repo({ 'pyproject.toml': PYPROJECT, 'test/test_a.py': '' }))?.testRoot).toBe(
      'test',
    );
  });
});

describe('the requirement marker is registered in pytest’s own config', { tags: ['001-FR-110'] }, () => {
  test('a pyproject.toml without pytest config gains a table; one with it gains a markers line', () => {
    const added = registerRequirementMarker(PYPROJECT, undefined);
    expect(added.kind).toBe('edited');
    const text = added.kind === 'edited' ? added.text : '';
    expect(text.startsWith(PYPROJECT)).toBe(true);
    expect(text).toContain(`[tool.pytest.ini_options]\nmarkers = [\n    "${REQUIREMENT_MARKER}",\n]\n`);
    // once is enough
    expect(registerRequirementMarker(text, 'pyproject.toml')).toEqual({ kind: 'unchanged' });
    const withOptions = `${PYPROJECT}\n[tool.pytest.ini_options]\naddopts = "-q"\n\n[tool.ruff]\nline-length = 100\n`;
    const edited = registerRequirementMarker(withOptions, 'pyproject.toml');
    expect(edited.kind === 'edited' && edited.text).toBe(
      withOptions.replace(
        '[tool.pytest.ini_options]\n',
        `[tool.pytest.ini_options]\nmarkers = [\n    "${REQUIREMENT_MARKER}",\n]\n`,
      ),
    );
  });

  test('ini files gain an ini list; a markers list of the user’s own is left for them to extend', () => {
    const ini = registerRequirementMarker('[pytest]\naddopts = -q\n', 'pytest.ini');
    expect(ini.kind === 'edited' && ini.text).toBe(
      `[pytest]\nmarkers =\n    ${REQUIREMENT_MARKER}\naddopts = -q\n`,
    );
    const cfg = registerRequirementMarker('[metadata]\nname = x\n\n[tool:pytest]\n', 'setup.cfg');
    expect(cfg.kind === 'edited' && cfg.text).toContain(
      `[tool:pytest]\nmarkers =\n    ${REQUIREMENT_MARKER}\n`,
    );
    const theirs = registerRequirementMarker('[pytest]\nmarkers =\n    slow: slow tests\n', 'pytest.ini');
    expect(theirs.kind).toBe('manual');
    expect(theirs.kind === 'manual' && theirs.reason).toContain('add requirement(*ids)');
    expect(registerRequirementMarker('[pytest]\nmarkers =\n    requirement: ids\n', 'pytest.ini')).toEqual({
      kind: 'unchanged',
    });
  });
});

async function init(cwd: string) {
  return runCliCaptured(['init'], { cwd });
}

describe('incluster init in a Python repository', { tags: ['001-FR-110'] }, () => {
  test('a uv project gets the pytest runner: Dockerfile, config, example, marker, Makefile, workflow', async () => {
    const dir = await repo({
      'pyproject.toml': PYPROJECT,
      'uv.lock': 'version = 1\n',
      'tests/unit/test_total.py': 'def test_total():\n    assert 1 + 1 == 2\n',
    });
    const { status, out } = await init(dir);
    expect(status, out).toBe(0);
    expect(out).toContain('the runner image installs uv.lock exactly with uv');
    const read = (path: string) => readFile(join(dir, path), 'utf8');
    const dockerfile = await read('testing/Dockerfile');
    expect(dockerfile).toContain(
      'COPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-install-project --all-groups\n',
    );
    expect(dockerfile).not.toContain('incluster:dependencies');
    // the dependency layer comes before the sources, and the image runs as uid 1000
    expect(dockerfile.indexOf('uv sync')).toBeLessThan(dockerfile.indexOf('COPY --chown=1000:1000 . .'));
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toContain('COPY .incluster-plugins/pytest-incluster /opt/pytest-incluster');
    const config = parseConfig(await read('incluster.config.yaml'), 'incluster.config.yaml');
    expect(config.runner.command).toEqual(['pytest', '--junitxml=/artifacts/junit-pytest.xml']);
    expect(config.cluster.name).toBe('orders-service');
    expect(config.trace.allowUntagged).toBe(true); // tests/unit/test_total.py carries no marker yet
    expect(await read('tests/integration/test_example.py')).toContain(
      '@pytest.mark.requirement("001-FR-001")',
    );
    expect(await read('pyproject.toml')).toContain(`"${REQUIREMENT_MARKER}"`);
    expect(await read('.gitignore')).toMatch(/^\.incluster-plugins\/$/m);
    expect(await read('.dockerignore')).toMatch(/^\.venv$/m);
    const makefile = await read('Makefile');
    expect(makefile).toContain('\tuv run pytest tests --ignore=tests/integration --ignore=tests/e2e\n');
    expect(makefile).toContain('\tnpx incluster run -- tests/integration\n');
    expect(makefile).not.toContain('vitest');
    const workflow = await read('.github/workflows/ci.yml');
    expect(workflow).toContain(
      'uv run --frozen --with ./node_modules/incluster/python/pytest-incluster pytest tests --ignore=tests/integration',
    );
    expect(workflow).not.toContain('npx vitest');
    // no Vitest files for a project without Vitest tests
    await expect(read('vitest.config.ts')).rejects.toThrow();
    await expect(read('test/integration/example.test.ts')).rejects.toThrow();
    // and a second init changes nothing
    const again = await init(dir);
    expect(again.out).toContain('Nothing changed');
  });

  test('requirements files and poetry.lock: the dependency layer each installs', async () => {
    const pinned = await repo({ 'pyproject.toml': PYPROJECT, 'requirements.txt': 'psycopg==3.2.3\n' });
    expect((await init(pinned)).status).toBe(0);
    const dockerfile = await readFile(join(pinned, 'testing/Dockerfile'), 'utf8');
    expect(dockerfile).toContain(
      'COPY requirements.txt ./\nRUN uv venv /app/.venv && uv pip install --python /app/.venv/bin/python -r requirements.txt\n',
    );
    const poetry = await repo({ 'pyproject.toml': PYPROJECT, 'poetry.lock': '' });
    const { out } = await init(poetry);
    expect(out).toContain('poetry.lock is not read by uv');
    expect(await readFile(join(poetry, 'testing/Dockerfile'), 'utf8')).toContain(
      '-r pyproject.toml --all-extras',
    );
  });

  test('a repository with Vitest tests and a Python project gets both runners', async () => {
    const dir = await repo({
      'package.json': JSON.stringify({ name: 'both', devDependencies: { vitest: '^5.1.1' } }),
      'pyproject.toml': PYPROJECT,
      'uv.lock': '',
    });
    const { status, out } = await init(dir);
    expect(status, out).toBe(0);
    const read = (path: string) => readFile(join(dir, path), 'utf8');
    expect(parseConfig(await read('incluster.config.yaml'), 'x').runner.command[0]).toBe('npx');
    const pytest = parseConfig(await read('incluster.pytest.config.yaml'), 'x');
    expect(pytest.runner.command[0]).toBe('pytest');
    expect(pytest.runner.dockerfile).toMatch(/\/testing\/Dockerfile\.pytest$/);
    expect(await read('testing/Dockerfile.pytest')).toContain('uv sync --frozen');
    expect(await read('testing/Dockerfile')).toContain('npm ci');
    expect(await read('test/integration/example.test.ts')).toContain("tags: ['001-FR-001']");
    expect(await read('tests/integration/test_example.py')).toContain('001-FR-001');
    const makefile = await read('Makefile');
    expect(makefile).toContain(
      '\tnpx incluster run -- test/integration\n\tnpx incluster run --config incluster.pytest.config.yaml -- tests/integration\n',
    );
    const workflow = await read('.github/workflows/ci.yml');
    expect(workflow).toContain('npx vitest run');
    expect(workflow).toContain('Unit tests (pytest)');
    expect(workflow).toContain(
      'run: npx incluster run --provider kind --config incluster.pytest.config.yaml -- tests/integration',
    );
  });

  test('doctor’s check: a pytest Dockerfile copying a lock the project lacks is named', async () => {
    const dir = await repo({ 'pyproject.toml': PYPROJECT, 'uv.lock': '' });
    expect((await init(dir)).status).toBe(0);
    const dockerfile = await readFile(join(dir, 'testing/Dockerfile'), 'utf8');
    expect(dockerfileMismatch(dir, 'testing/Dockerfile', dockerfile)).toBeUndefined();
    await rm(join(dir, 'uv.lock'));
    expect(dockerfileMismatch(dir, 'testing/Dockerfile', dockerfile)).toBe(
      'testing/Dockerfile copies uv.lock, which this project does not have; the runner image build will fail',
    );
  });

  test('the Python workflow passes actionlint', { timeout: 300_000 }, async () => {
    const dir = await repo({ 'pyproject.toml': PYPROJECT, 'requirements.txt': 'x==1\n' });
    await init(dir);
    const lint = await actionlint(dir);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.exitCode).toBe(0);
  });
});
