// Collects a repository's pytest tests without running or importing them: the host's python3 runs
// the plugin's static collector (python/pytest-incluster/src/pytest_incluster/collector, shipped in
// the npm package) as a file, once for all files (pytest's rootdir, config and discovery rules,
// Python's own `ast`), and its answer becomes tests and problems of the same shape the Vitest
// collector gives, so one report counts both.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { InclusterError, ExitStatus, UsageError } from '../../errors.ts';
import { CommandError, runCommand } from '../../process/exec.ts';
import type { Collection, CollectedTest, CollectionProblem } from '../collect/collection.ts';
import type { IdFormat } from '../ids.ts';
import { PACKAGE_ROOT } from '../../package-root.ts';

/**
 * The collector's entry file. The same path from the sources and from the built dist/ (both one
 * folder below the package root), and in the npm package, which ships python/pytest-incluster/src.
 */
export const PYTEST_COLLECTOR = join(
  PACKAGE_ROOT,
  'python/pytest-incluster/src/pytest_incluster/collector/__main__.py',
);

export interface PytestCollectOptions {
  /** The project root: pytest's invocation directory, and what reported paths are relative to. */
  root: string;
  /**
   * `trace.pytest`: paths given to pytest as its arguments, one invocation each (testpaths are then
   * not used, as with `pytest PATH`). Undefined: pytest run in the root, when the root has a pytest
   * config or test files. Empty: no pytest suites.
   */
  paths?: readonly string[];
  /** The requirement ID format: a `requirement` argument that is no ID is what the plugin rejects. */
  format?: IdFormat;
  /** The Python interpreter (default `$INCLUSTER_PYTHON`, else `python3`). */
  python?: string;
}

/** One pytest invocation as the collector resolved it. */
export interface PytestInvocation {
  /** The paths given, relative to the root (empty: none, pytest's own default). */
  args: string[];
  /** pytest's rootdir and config file, relative to the root (`.` is the root). */
  rootdir: string;
  inifile: string | null;
  files: number;
}

/** The pytest tests, in the Vitest collector's shape, and how they were found. */
export interface PytestCollection {
  files: string[];
  tests: (CollectedTest & { nodeid: string })[];
  problems: CollectionProblem[];
  invocations: PytestInvocation[];
}

/** python3 (or `$INCLUSTER_PYTHON`) is needed to read the pytest suites and is not there. */
export class PythonNotFoundError extends InclusterError {
  constructor(python: string, why: string, cause?: unknown) {
    super(
      'INCLUSTER_PYTHON_NOT_FOUND',
      ExitStatus.infrastructure,
      `incluster trace needs Python 3.9 or newer to read this project's pytest suites: ${python} ${why}`,
      {
        cause,
        hint: 'Install python3 (Debian/Ubuntu: apt-get install python3) or set INCLUSTER_PYTHON to an interpreter; or set trace.pytest: [] in incluster.config.yaml to leave the pytest suites out of the trace.',
      },
    );
  }
}

// What the collector prints (collector/main.py and collection.py).
interface ScriptTest {
  classes: string[];
  name: string;
  line: number;
  column: number;
  ids: string[];
  tags: string[];
  mode: 'run' | 'skip';
  conditional: boolean;
  static: boolean;
  unresolved: { line: number; column: number; message: string }[];
  invalid: { line: number; column: number; message: string }[];
}
interface ScriptOutput {
  invocations: { args: string[]; rootdir: string; inifile: string | null; files: number }[];
  files: { path: string; nodeid: string; tests: ScriptTest[] }[];
}

const CONFIG_TABLES: Record<string, RegExp | null> = {
  'pytest.toml': null,
  '.pytest.toml': null,
  'pytest.ini': null,
  '.pytest.ini': null,
  'pyproject.toml': /^\s*\[tool\.pytest[\].]/m,
  'tox.ini': /^\s*\[pytest\]/m,
  'setup.cfg': /^\s*\[tool:pytest\]/m,
};
// pytest's norecursedirs defaults, plus what is never a test directory.
const SKIPPED_DIRS = ['**/.*/**', '**/node_modules/**', '**/__pycache__/**', '**/build/**', '**/dist/**'];
const SKIPPED_DIRS_MORE = ['**/venv/**', '**/*.egg/**', '**/_darcs/**', '**/CVS/**', '**/{arch}/**'];

/**
 * True when `pytest` run in the root would find something: a pytest config in the root, or a file
 * named as pytest's defaults name test files. Cheap, and no Python: a Vitest-only project never
 * needs python3.
 */
export function hasPytestSuites(root: string): boolean {
  for (const [name, table] of Object.entries(CONFIG_TABLES)) {
    const file = join(root, name);
    if (!existsSync(file)) continue;
    if (!table || table.test(readFileSync(file, 'utf8'))) return true;
  }
  return (
    globSync(['**/test_*.py', '**/*_test.py'], {
      cwd: root,
      ignore: [...SKIPPED_DIRS, ...SKIPPED_DIRS_MORE],
      dot: true,
    }).length > 0
  );
}

/** Collects the project's pytest tests; undefined when it has none to collect (see `paths`). */
export async function collectPytest(options: PytestCollectOptions): Promise<PytestCollection | undefined> {
  const { root } = options;
  if (options.paths?.length === 0) return undefined;
  if (!options.paths && !hasPytestSuites(root)) return undefined;
  const python = options.python ?? (process.env.INCLUSTER_PYTHON || 'python3');
  const request = { root, invocations: options.paths ? options.paths.map((p) => [p]) : [[]] };
  let stdout: string;
  try {
    // -I: isolated, so neither the project's files nor PYTHON* variables shadow a module it imports.
    ({ stdout } = await runCommand(python, ['-I', PYTEST_COLLECTOR], {
      cwd: root,
      input: JSON.stringify(request),
      maxBuffer: 256 * 1024 * 1024,
    }));
  } catch (error) {
    throw scriptFailure(python, error);
  }
  return toCollection(root, JSON.parse(stdout) as ScriptOutput, options.format);
}

function scriptFailure(python: string, error: unknown): Error {
  if (!(error instanceof CommandError)) return error as Error;
  if (error.exitCode === -1) return new PythonNotFoundError(python, 'was not found', error);
  const last = error.stderr.trim().split('\n').pop() ?? '';
  let reported: {
    error?: string;
    syntax?: string;
    line?: number;
    column?: number;
    message?: string;
    tooOld?: string;
  };
  try {
    reported = JSON.parse(last) as typeof reported;
  } catch {
    if (/SyntaxError|invalid syntax/.test(error.stderr))
      return new PythonNotFoundError(python, 'is too old to run the collector', error);
    return error;
  }
  if (reported.tooOld)
    return new PythonNotFoundError(
      python,
      `is Python ${reported.tooOld}, too old to run the collector`,
      error,
    );
  if (reported.syntax)
    return new UsageError(
      `${reported.syntax}:${reported.line}:${reported.column}: a pytest test file does not parse: ${reported.message}`,
    );
  return new UsageError(`cannot read the pytest configuration: ${reported.error ?? last}`);
}

function toCollection(root: string, output: ScriptOutput, format: IdFormat | undefined): PytestCollection {
  const rel = (path: string) => relative(root, path).split('\\').join('/') || '.';
  const files: string[] = [];
  const tests: PytestCollection['tests'] = [];
  const problems: CollectionProblem[] = [];
  const seen = new Set<string>();
  const problem = (
    kind: CollectionProblem['kind'],
    file: string,
    at: { line: number; column: number },
    message: string,
  ) => {
    const key = `${kind}:${file}:${at.line}:${at.column}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ kind, file, line: at.line, column: at.column, message });
  };
  for (const entry of output.files) {
    const file = rel(entry.path);
    files.push(file);
    for (const test of entry.tests) {
      const fullName = [...test.classes, test.name].join('::');
      for (const u of test.unresolved)
        problem(
          'unresolved-tags',
          file,
          u,
          `cannot resolve the requirement IDs of this pytest test statically: ${u.message}`,
        );
      for (const i of test.invalid) problem('invalid-api', file, i, i.message);
      let rejected = false;
      if (format)
        for (const id of test.ids)
          if (format.classify(id) === 'other') {
            rejected = true;
            problem(
              'invalid-api',
              file,
              test,
              `${JSON.stringify(id)} is not a requirement ID (expected /${format.source}/): pytest-incluster stops at collection`,
            );
          }
      tests.push({
        file,
        line: test.line,
        column: test.column,
        name: test.name,
        suites: test.classes,
        fullName,
        nodeid: `${entry.nodeid}::${fullName}`,
        tags: [...test.ids, ...test.tags.filter((t) => !test.ids.includes(t))],
        mode: test.mode,
        each: !test.static,
        conditional: test.conditional,
        reported: rejected || test.unresolved.length > 0 || test.invalid.length > 0,
      });
    }
  }
  return {
    files,
    tests,
    problems,
    invocations: output.invocations.map((i) => ({
      args: i.args,
      rootdir: rel(i.rootdir),
      inifile: i.inifile === null ? null : rel(i.inifile),
      files: i.files,
    })),
  };
}

/** The Vitest collection with the pytest tests added: one test set, one report. */
export function withPytest(collection: Collection, pytest: PytestCollection | undefined): Collection {
  if (!pytest) return collection;
  return {
    ...collection,
    files: [...collection.files, ...pytest.files.filter((f) => !collection.files.includes(f))],
    tests: [...collection.tests, ...pytest.tests],
    problems: [...collection.problems, ...pytest.problems],
  };
}
