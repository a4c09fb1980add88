// What `init` learns about the repository before it writes anything: the project's name (the
// cluster and namespace are named after it, so two projects on one host do not share, and delete,
// one cluster), its package manager, its Vitest config, and where its tests are.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import picomatch from 'picomatch';
import { globSync } from 'tinyglobby';
import { defaultBranch, type DefaultBranch } from './default-branch.ts';
import { detectPackageManager, type PackageManager } from './package-manager.ts';
import { inspectPython, type PythonLayout } from './python-project.ts';
import { findVitestConfig, vitestInclude } from './vitest-config.ts';

/** Where the generated files put the tests, when the project has none yet. */
export const DEFAULT_TEST_GLOBS = ['test/**/*.test.ts'] as const;

/** Vitest's default `include`, to find a project's tests when its config does not list them. */
const VITEST_DEFAULT_INCLUDE = '**/*.{test,spec}.?(c|m)[jt]s?(x)';
const NEVER_TESTS = [
  '**/node_modules/**',
  '**/.git/**',
  'dist/**',
  'coverage/**',
  'test-results/**',
  '.incluster/**',
];

export interface ProjectLayout {
  root: string;
  /** A DNS label from package.json's name (else the directory's): the cluster and namespace name. */
  name: string;
  packageManager: PackageManager;
  /** The project's Vitest config file, relative to root. */
  vitestConfig: string | undefined;
  /** Where its tests are: the Vitest config's `test.include`, else globs over the test files found. */
  testGlobs: string[];
  /** Whether `testGlobs` came from the Vitest config (else from the files found, or the default). */
  testGlobsFromConfig: boolean;
  /** Test files that exist already (they carry no requirement IDs yet). */
  existingTests: string[];
  /** The example integration test's path, inside `testGlobs` so Vitest and trace find it. */
  exampleTest: string;
  /** Its directory: what `make test-integration` runs in the cluster and `make test-unit` leaves out. */
  integrationDir: string;
  /** Where end-to-end tests would go, for `make test-e2e`. */
  e2eDir: string;
  /** The branch the workflow runs on for pushes: origin's default, else main or master, never the checked-out one. */
  defaultBranch: DefaultBranch;
  /** The Python project, when there is one (pyproject.toml, or requirements files and pytest tests). */
  python: PythonLayout | undefined;
  /**
   * Whether the project has (or, without Python, gets) a Vitest suite: a Vitest config, vitest in
   * package.json or JavaScript test files. A Python project whose package.json only holds
   * incluster itself has none, and gets the pytest runner alone.
   */
  vitest: boolean;
}

/** Reads the repository at `root`. */
export function inspectProject(root: string): ProjectLayout {
  const vitestConfig = findVitestConfig(root);
  const fromConfig = vitestConfig
    ? vitestInclude(vitestConfig, readFileSync(join(root, vitestConfig), 'utf8'))
    : undefined;
  const existingTests = globSync(fromConfig ?? [VITEST_DEFAULT_INCLUDE], {
    cwd: root,
    ignore: NEVER_TESTS,
    dot: false,
  }).sort();
  const testGlobs = fromConfig ?? (existingTests.length ? globsFor(existingTests) : [...DEFAULT_TEST_GLOBS]);
  const testRoot = staticPrefix(testGlobs[0]!) || 'test';
  const integrationDir = `${testRoot}/integration`;
  const matches = picomatch(testGlobs);
  const exampleTest =
    ['example.test.ts', 'example.spec.ts', 'example.test.js', 'example.spec.js']
      .map((name) => `${integrationDir}/${name}`)
      .find((path) => matches(path)) ?? `${integrationDir}/example.test.ts`;
  const written = existingTests.filter((path) => path !== exampleTest);
  const python = inspectPython(root);
  return {
    root,
    name: projectName(root),
    packageManager: detectPackageManager(root),
    vitestConfig,
    testGlobs: matches(exampleTest) ? testGlobs : [...testGlobs, exampleTest],
    testGlobsFromConfig: fromConfig !== undefined,
    existingTests: written,
    exampleTest,
    integrationDir,
    e2eDir: `${testRoot}/e2e`,
    defaultBranch: defaultBranch(root),
    python,
    vitest: !python || vitestConfig !== undefined || written.length > 0 || dependsOnVitest(root),
  };
}

function dependsOnVitest(root: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, unknown> | undefined
    >;
    return ['dependencies', 'devDependencies', 'peerDependencies'].some(
      (field) => manifest[field]?.vitest !== undefined,
    );
  } catch {
    return false;
  }
}

/** `@acme/Orders_API` → `orders-api`; pyproject.toml's name, then the directory's, when package.json has none. */
export function projectName(root: string): string {
  let name: unknown;
  try {
    name = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: unknown }).name;
  } catch {
    name = undefined;
  }
  return (
    dnsLabel(typeof name === 'string' ? name.replace(/^@[^/]*\//, '') : '') ||
    dnsLabel(pyprojectName(root) ?? '') ||
    dnsLabel(basename(root)) ||
    'incluster'
  );
}

/** `name` of pyproject.toml's [project] table. */
function pyprojectName(root: string): string | undefined {
  try {
    const text = readFileSync(join(root, 'pyproject.toml'), 'utf8');
    const table = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1] ?? '';
    return /^\s*name\s*=\s*["']([^"']+)["']/m.exec(table)?.[1];
  } catch {
    return undefined;
  }
}

/** Lower-case letters, digits and inner dashes, at most 40 characters (kind adds `-control-plane`). */
export function dnsLabel(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
}

/** `tests/unit/a.test.ts`, `tests/b.spec.ts` → `tests/**\/*.test.ts`, `tests/**\/*.spec.ts`. */
function globsFor(files: string[]): string[] {
  const globs = new Set<string>();
  for (const file of files) {
    const suffix = /(\.(?:test|spec)\.[cm]?[jt]sx?)$/.exec(file)?.[1] ?? '.test.ts';
    const slash = file.indexOf('/');
    globs.add(slash < 0 ? `*${suffix}` : `${file.slice(0, slash)}/**/*${suffix}`);
  }
  return [...globs];
}

/** The directories of a glob before its first wildcard: `tests/unit/**\/*.ts` → `tests/unit`. */
function staticPrefix(glob: string): string {
  const parts: string[] = [];
  for (const part of glob.replace(/^\.\//, '').split('/').slice(0, -1)) {
    if (/[*?{}[\]()!+@]/.test(part)) break;
    parts.push(part);
  }
  return parts.join('/');
}
