// What `init` learns about a Python project: how its dependencies are pinned (what the runner
// image installs them from), where pytest's configuration is (the `requirement` marker is
// registered there) and where its tests are. A repository is a Python project when it has a
// pyproject.toml, or requirements files next to test_*.py files.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';

/**
 * How the runner image installs the dependencies: `uv` from uv.lock exactly, `requirements` from
 * pinned requirements files, `pyproject` from pyproject.toml's own ranges (no lockfile uv reads:
 * poetry.lock is Poetry's format).
 */
export type PythonInstaller = 'uv' | 'requirements' | 'pyproject';

/** The files pytest reads its configuration from, in the order it looks for them. */
export type PytestConfigFile = 'pytest.ini' | 'pyproject.toml' | 'tox.ini' | 'setup.cfg';

export interface PythonLayout {
  installer: PythonInstaller;
  /** Requirements files the image installs (requirements installer), runtime first. */
  requirements: string[];
  /** A poetry.lock the image cannot install from (told to the user). */
  poetryLock: boolean;
  /** The file holding pytest's configuration, if any (else pyproject.toml receives one). */
  pytestConfig: PytestConfigFile | undefined;
  /** pytest test files that exist already (the example test aside). */
  testFiles: string[];
  /** Those of them that mark no requirement anywhere (when their tests cannot be read one by one). */
  existingTests: string[];
  /** The first of pytest's `testpaths`, else `tests`. */
  testRoot: string;
  /** The example integration test, inside the test root. */
  exampleTest: string;
  integrationDir: string;
  e2eDir: string;
  /** What Bandit scans and mypy checks when its config names no files: `src`, else the packages. */
  sources: string[];
  /** The project's own linters, which CI runs: from its dependencies (their pinned version) or its config. */
  ruff: ToolUse | undefined;
  mypy: (ToolUse & { files: boolean }) | undefined;
}

/**
 * How a project uses a tool: `dependency` (in its dependencies or lock, so CI runs that version in
 * the project's environment), or only `config` (a [tool.X] table or its own file: CI installs a
 * pinned version).
 */
export type ToolUse = { from: 'dependency' | 'config' };

const NEVER = ['**/node_modules/**', '**/.venv/**', '**/venv/**', '**/.git/**', '**/.tox/**'];

/** The Python project at `root`, or undefined when there is none. */
export function inspectPython(root: string): PythonLayout | undefined {
  const has = (name: string) => existsSync(join(root, name));
  const requirements = globSync(['requirements*.txt'], { cwd: root }).sort(requirementsOrder);
  const pythonTests = globSync(['**/test_*.py', '**/*_test.py'], { cwd: root, ignore: NEVER });
  if (!has('pyproject.toml') && !(requirements.length > 0 && pythonTests.length > 0)) return undefined;
  const installer: PythonInstaller = has('uv.lock')
    ? 'uv'
    : requirements.length > 0
      ? 'requirements'
      : 'pyproject';
  const pytestConfig = findPytestConfig(root);
  const testRoot =
    (pytestConfig && firstTestpath(readFileSync(join(root, pytestConfig), 'utf8'), pytestConfig)) ??
    (has('tests') || !has('test') ? 'tests' : 'test');
  const integrationDir = `${testRoot}/integration`;
  const exampleTest = `${integrationDir}/test_example.py`;
  return {
    installer,
    requirements: installer === 'requirements' ? requirements : [],
    poetryLock: has('poetry.lock'),
    pytestConfig,
    testRoot,
    testFiles: pythonTests.filter((path) => path !== exampleTest).sort(),
    existingTests: pythonTests
      .filter((path) => path !== exampleTest && !marksRequirements(root, path))
      .sort(),
    exampleTest,
    integrationDir,
    e2eDir: `${testRoot}/e2e`,
    sources: pythonSources(root, testRoot),
    ...pythonTools(root, requirements),
  };
}

/** The directories holding the project's Python code: `src`, else its top-level packages, else the root. */
function pythonSources(root: string, testRoot: string): string[] {
  if (existsSync(join(root, 'src'))) return ['src'];
  const packages = globSync(['*/__init__.py'], { cwd: root, ignore: NEVER })
    .map((path) => path.split('/')[0]!)
    .filter((dir) => dir !== testRoot && !/^(tests?|docs?|examples?|scripts?)$/.test(dir))
    .sort();
  return packages.length ? packages : ['.'];
}

/** Whether the project uses ruff and mypy, and how (see ToolUse). */
function pythonTools(root: string, requirements: string[]): Pick<PythonLayout, 'ruff' | 'mypy'> {
  const text = (name: string) => {
    try {
      return readFileSync(join(root, name), 'utf8');
    } catch {
      return '';
    }
  };
  const pyproject = text('pyproject.toml');
  // A dependency: a quoted requirement in pyproject.toml, a line of a requirements file, a package of uv.lock.
  const dependsOn = (tool: string) =>
    new RegExp(`["']${tool}(?:[\\s\\[<>=~!;"']|$)`, 'm').test(pyproject) ||
    requirements.some((file) => new RegExp(`^${tool}(?:[\\s\\[<>=~!;]|$)`, 'm').test(text(file))) ||
    new RegExp(`^name = "${tool}"$`, 'm').test(text('uv.lock'));
  const use = (tool: string, configured: boolean): ToolUse | undefined =>
    dependsOn(tool) ? { from: 'dependency' } : configured ? { from: 'config' } : undefined;
  const ruff = use(
    'ruff',
    /^\[tool\.ruff[\].]/m.test(pyproject) ||
      existsSync(join(root, 'ruff.toml')) ||
      existsSync(join(root, '.ruff.toml')),
  );
  const mypyConfig = [
    /^\[tool\.mypy\]([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject)?.[1],
    /^\[mypy\]([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(
      text('mypy.ini') || text('.mypy.ini') || text('setup.cfg'),
    )?.[1],
  ].find((section) => section !== undefined);
  const mypy = use('mypy', mypyConfig !== undefined);
  return {
    ruff,
    mypy: mypy && { ...mypy, files: /^\s*files\s*=/m.test(mypyConfig ?? '') },
  };
}

/** Whether a test file names requirements already (then its tests need no untagged allowance). */
function marksRequirements(root: string, path: string): boolean {
  try {
    return /\bmark\.requirement\(/.test(readFileSync(join(root, path), 'utf8'));
  } catch {
    return false;
  }
}

/** `requirements.txt` before `requirements-dev.txt` and the rest, alphabetical after that. */
function requirementsOrder(a: string, b: string): number {
  if (a === 'requirements.txt') return -1;
  if (b === 'requirements.txt') return 1;
  return a.localeCompare(b);
}

/** The file pytest would read its configuration from (its own precedence), if any has one. */
export function findPytestConfig(root: string): PytestConfigFile | undefined {
  const order: PytestConfigFile[] = ['pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg'];
  for (const file of order) {
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue;
    }
    // pytest.ini counts even when empty: its presence alone makes it the config file.
    if (file === 'pytest.ini' || PYTEST_SECTION_HEADERS[file].test(text)) return file;
  }
  return undefined;
}

/** The first entry of `testpaths` in a pytest config's text (TOML array or ini list). */
export function firstTestpath(text: string, file: PytestConfigFile): string | undefined {
  return testpathsOf(text, file)[0];
}

/** Every entry of `testpaths` in a pytest config's text: a TOML array, or an ini list over lines. */
export function testpathsOf(text: string, file: PytestConfigFile): string[] {
  const body = pytestSection(text, file);
  if (body === undefined) return [];
  const value =
    file === 'pyproject.toml'
      ? [...(/^\s*testpaths\s*=\s*\[([^\]]*)\]/m.exec(body)?.[1]?.matchAll(/["']([^"']+)["']/g) ?? [])].map(
          (m) => m[1]!,
        )
      : (/^\s*testpaths\s*=(.*(?:\n[ \t]+\S.*)*)/m.exec(body)?.[1]?.split(/\s+/) ?? []);
  return value.map((path) => path.replace(/^\.\//, '').replace(/\/+$/, '')).filter(Boolean);
}

/** The header line of pytest's section in each config file. */
export const PYTEST_SECTION_HEADERS: Readonly<Record<PytestConfigFile, RegExp>> = {
  'pytest.ini': /^[ \t]*\[pytest\][ \t]*$/m,
  'pyproject.toml': /^[ \t]*\[tool\.pytest\.ini_options\][ \t]*$/m,
  'tox.ini': /^[ \t]*\[pytest\][ \t]*$/m,
  'setup.cfg': /^[ \t]*\[tool:pytest\][ \t]*$/m,
};

/** The text of pytest's section of a config file, up to the next section header. */
export function pytestSection(text: string, file: PytestConfigFile): string | undefined {
  const match = PYTEST_SECTION_HEADERS[file].exec(text);
  if (!match) return undefined;
  const rest = text.slice(match.index + match[0].length);
  const next = /^[ \t]*\[[^\]]+\][ \t]*$/m.exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}
