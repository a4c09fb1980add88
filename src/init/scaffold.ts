// What `incluster init` writes into a repository, and how it decides per file. Three kinds of file:
// - incluster's own (runner Dockerfile, kind config, service manifests, workflow): created when
//   missing, left when identical, and never overwritten when different (a conflict, shown as a
//   diff) unless forced;
// - starting points that become the project's once written (incluster.config.yaml, the spec
//   template, the example test, .nvmrc): created when missing, then kept as the user edits them;
// - the user's own files init adds to (Makefile, .gitignore, .dockerignore, the Vitest config):
//   edited in place, keeping every line of the user's.
// What goes in them depends on the project (src/init/project.ts): its name, package manager and
// test locations. The kind config, manifests and runner Dockerfile come from incluster's own package.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unifiedDiff } from './diff.ts';
import {
  DOCKER_IGNORED,
  mergeGitignore,
  mergeIgnoreFile,
  PYTHON_DOCKER_IGNORED,
  mergeSecretIgnores,
} from './gitignore.ts';
import { includedFiles, inclusterTargets, mergeMakefile } from './makefile.ts';
import { inspectProject, type ProjectLayout } from './project.ts';
import { runnersOf } from './test-commands.ts';
import { findUntaggedTests, type UntaggedTests } from './untagged.ts';
import { WriteJournal } from './journal.ts';
import {
  renderConfig,
  renderDockerfile,
  renderExampleTest,
  renderKindConfig,
  renderVitestConfig,
} from './render.ts';
import { renderWorkflow } from './workflow.ts';
import { addWithRequirements } from './vitest-config.ts';
import {
  MIXED_PYTEST_CONFIG,
  MIXED_PYTEST_DOCKERFILE,
  registerRequirementMarker,
  renderPytestConfig,
  renderPytestDockerfile,
} from './python-render.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

export { PACKAGE_ROOT } from '../package-root.ts';

/** One file init wants in the repository. */
export interface ScaffoldFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  content: string;
  /** A starting point: once it exists it is the project's, and init keeps it. */
  seed?: boolean;
}

/** What happened (or, in a dry run, would happen) to one file. */
export type FileOutcome =
  'created' | 'unchanged' | 'kept' | 'conflict' | 'overwritten' | 'appended' | 'edited' | 'manual';

export interface FileResult {
  path: string;
  outcome: FileOutcome;
  /** The change init made or wanted, as a unified diff. */
  diff?: string;
  /** Why, for people: e.g. the Makefile targets the user already defines. */
  note?: string;
}

/** Outcomes that leave something for the user to do: init exits 1. */
export const NEEDS_ATTENTION: ReadonlySet<FileOutcome> = new Set(['conflict', 'manual']);

/** Every file init writes for `layout`, read from the package (templates/init/, testing/). */
export async function scaffoldFiles(
  layout: ProjectLayout,
  packageRoot: string = PACKAGE_ROOT,
  untagged?: UntaggedTests,
): Promise<ScaffoldFile[]> {
  const template = (path: string) => readFile(join(packageRoot, 'templates/init', path), 'utf8');
  const found = untagged ?? (await findUntaggedTests(layout));
  // One gate over both suites: relaxed when either has untagged tests.
  const config = renderConfig(await template('incluster.config.yaml'), layout, [
    ...found.vitest,
    ...found.pytest,
  ]);
  const files: ScaffoldFile[] = [
    // The workflow's setup-node reads the Node.js version from it (incluster's CLI runs on Node.js).
    { path: '.nvmrc', content: await template('.nvmrc'), seed: true },
    {
      path: '.github/workflows/ci.yml',
      content: renderWorkflow(await template('.github/workflows/ci.yml'), layout),
    },
    // Publishes the JUnit of CI's runs as a check run, pull requests from forks included.
    {
      path: '.github/workflows/test-report.yml',
      content: await template('.github/workflows/test-report.yml'),
    },
    { path: 'specs/001-example/spec.md', content: await template('specs/001-example/spec.md'), seed: true },
  ];
  if (layout.vitest) files.push(...(await vitestFiles(layout, config, packageRoot)));
  if (layout.python) {
    const mixed = layout.vitest;
    files.push(
      {
        path: mixed ? MIXED_PYTEST_CONFIG : 'incluster.config.yaml',
        content: renderPytestConfig(config, layout.python, mixed),
        seed: true,
      },
      {
        path: mixed ? MIXED_PYTEST_DOCKERFILE : 'testing/Dockerfile',
        content: renderPytestDockerfile(await template('testing/Dockerfile.pytest'), layout.python),
      },
      {
        path: layout.python.exampleTest,
        content: await template('tests/integration/test_example.py'),
        seed: true,
      },
    );
  }
  files.push({
    path: 'testing/k8s/kind-config.yaml',
    content: renderKindConfig(
      await readFile(join(packageRoot, 'testing/k8s/kind-config.yaml'), 'utf8'),
      layout,
    ),
  });
  const services = join(packageRoot, 'testing/k8s/services');
  const manifests = existsSync(services)
    ? (await readdir(services)).filter((name) => /\.ya?ml$/.test(name)).sort()
    : [];
  for (const name of manifests)
    files.push({
      path: `testing/k8s/services/${name}`,
      content: await readFile(join(services, name), 'utf8'),
    });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** The Vitest runner's files: config, example test, Vitest config when the project has none, Dockerfile. */
async function vitestFiles(
  layout: ProjectLayout,
  config: string,
  packageRoot: string,
): Promise<ScaffoldFile[]> {
  const template = (path: string) => readFile(join(packageRoot, 'templates/init', path), 'utf8');
  const files: ScaffoldFile[] = [
    { path: 'incluster.config.yaml', content: config, seed: true },
    {
      path: layout.exampleTest,
      content: renderExampleTest(await template('test/integration/example.test.ts'), layout),
      seed: true,
    },
  ];
  // The project's own Vitest config is edited instead (scaffold() below).
  if (!layout.vitestConfig)
    files.push({
      path: 'vitest.config.ts',
      content: renderVitestConfig(await template('vitest.config.ts'), layout),
    });
  // The runner Dockerfile incluster's own `run` is built and tested with; the template only when a
  // build ships without it.
  const dockerfile = join(packageRoot, 'testing/Dockerfile');
  const npmDockerfile = await readFile(
    existsSync(dockerfile) ? dockerfile : join(packageRoot, 'templates/init/testing/Dockerfile'),
    'utf8',
  );
  files.push({ path: 'testing/Dockerfile', content: renderDockerfile(npmDockerfile, layout) });
  return files;
}

export interface ScaffoldOptions {
  /** Write nothing; report what would happen. */
  dryRun?: boolean;
  /** Overwrite incluster's files and starting points that differ, and rewrite its Makefile block. */
  force?: boolean;
  packageRoot?: string;
  /** An interrupt: no further write, and every write so far is taken back. */
  signal?: AbortSignal;
  /** Told each path as it is about to be written (for what a second interrupt names). */
  journal?: WriteJournal;
}

/** What init did, and what it learnt about the project. */
export interface ScaffoldReport {
  layout: ProjectLayout;
  /** The tests the repository already had that name no requirement. */
  untagged: UntaggedTests;
  results: FileResult[];
}

type Write = (path: string, content: string) => Promise<void>;

/** Scaffolds into `root`. */
export async function scaffold(root: string, options: ScaffoldOptions = {}): Promise<ScaffoldReport> {
  const journal = options.journal ?? new WriteJournal(root, options.signal);
  try {
    return await scaffoldInto(root, options, journal);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
    // Interrupted: the repository goes back to how init found it.
    throw new InitInterrupted(await journal.undo(), { cause: error });
  }
}

/** An interrupted init, after it put back the files it had written. */
export class InitInterrupted extends Error {
  readonly restored: string[];
  constructor(restored: string[], options: { cause: unknown }) {
    super(
      restored.length
        ? `init interrupted; put back as they were: ${restored.join(', ')}`
        : 'init interrupted before it wrote anything',
      options,
    );
    this.restored = restored;
  }
}

async function scaffoldInto(
  root: string,
  options: ScaffoldOptions,
  journal: WriteJournal,
): Promise<ScaffoldReport> {
  const layout = inspectProject(root);
  const untagged = await findUntaggedTests(layout);
  const results: FileResult[] = [];
  const write: Write = async (path, content) => {
    if (options.dryRun) return;
    await journal.write(path, content);
  };
  for (const file of await scaffoldFiles(layout, options.packageRoot, untagged)) {
    const existing = await readIfExists(join(root, file.path));
    if (existing === undefined) {
      await write(file.path, file.content);
      results.push({ path: file.path, outcome: 'created' });
    } else if (existing === file.content) {
      results.push({ path: file.path, outcome: 'unchanged' });
    } else if (file.seed && !options.force) {
      results.push({
        path: file.path,
        outcome: 'kept',
        note: 'yours since it was written; --force rewrites it',
      });
    } else {
      const diff = unifiedDiff(existing, file.content, file.path);
      if (options.force) await write(file.path, file.content);
      results.push({ path: file.path, outcome: options.force ? 'overwritten' : 'conflict', diff });
    }
  }
  if (layout.vitest && layout.vitestConfig)
    results.push(await scaffoldVitestConfig(root, layout.vitestConfig, write));
  if (layout.python) results.push(await scaffoldPytestMarker(root, layout, write));
  results.push(await scaffoldMakefile(root, layout, options, write));
  results.push(await scaffoldIgnoreFile(root, '.gitignore', write, layout, options.packageRoot));
  results.push(await scaffoldIgnoreFile(root, '.dockerignore', write, layout, options.packageRoot));
  return { layout, untagged, results: results.sort((a, b) => a.path.localeCompare(b.path)) };
}

async function scaffoldVitestConfig(root: string, path: string, write: Write): Promise<FileResult> {
  const existing = (await readIfExists(join(root, path)))!;
  const edit = addWithRequirements(path, existing);
  if (edit.kind === 'unchanged') return { path, outcome: 'unchanged' };
  if (edit.kind === 'manual')
    return { path, outcome: 'manual', note: `not edited: ${edit.reason}; ${edit.instructions}` };
  await write(path, edit.text);
  return {
    path,
    outcome: 'edited',
    diff: unifiedDiff(existing, edit.text, path),
    note: 'wrapped in withRequirements, the rest as it was',
  };
}

async function scaffoldIgnoreFile(
  root: string,
  path: '.gitignore' | '.dockerignore',
  write: Write,
  layout: ProjectLayout,
  packageRoot = PACKAGE_ROOT,
): Promise<FileResult> {
  const existing = await readIfExists(join(root, path));
  const python = layout.python !== undefined;
  const dockerHeader = '# written by `incluster init`: kept out of the runner image';
  const merged =
    path === '.gitignore'
      ? mergeGitignore(existing, python)
      : existing === undefined
        ? mergeIgnoreFile(
            await readFile(join(packageRoot, 'templates/init/.dockerignore'), 'utf8'),
            python ? PYTHON_DOCKER_IGNORED : [],
            '# a Python project’s virtualenvs and caches: the image makes its own',
          )
        : mergeSecretIgnores(
            mergeIgnoreFile(
              existing,
              python ? [...DOCKER_IGNORED, ...PYTHON_DOCKER_IGNORED] : DOCKER_IGNORED,
              dockerHeader,
            ),
            '# written by `incluster init`: secrets never go into the runner image (a `!` line after these brings back a file a test needs)',
          );
  if (existing === undefined) {
    await write(path, merged);
    return { path, outcome: 'created' };
  }
  if (merged === existing) return { path, outcome: 'unchanged' };
  // Only lines are added: nothing of the user's changes.
  await write(path, merged);
  return { path, outcome: 'appended', diff: unifiedDiff(existing, merged, path) };
}

async function scaffoldPytestMarker(root: string, layout: ProjectLayout, write: Write): Promise<FileResult> {
  const path = layout.python!.pytestConfig ?? 'pyproject.toml';
  const existing = await readIfExists(join(root, path));
  const edit = registerRequirementMarker(existing, layout.python!.pytestConfig);
  if (edit.kind === 'unchanged') return { path, outcome: 'unchanged' };
  if (edit.kind === 'manual')
    return { path, outcome: 'manual', note: `the requirement marker is not registered: ${edit.reason}` };
  await write(path, edit.text);
  return {
    path,
    outcome: 'edited',
    diff: unifiedDiff(existing ?? '', edit.text, path),
    note: 'the requirement marker registered for pytest, the rest as it was',
  };
}

async function scaffoldMakefile(
  root: string,
  layout: ProjectLayout,
  options: { force?: boolean },
  write: Write,
): Promise<FileResult> {
  const path = 'Makefile';
  const existing = await readIfExists(join(root, path));
  const includes = existing === undefined ? [] : includedFiles(existing, root);
  const { dirs, runners } = runnersOf(layout);
  const merged = mergeMakefile(existing, {
    included: await Promise.all(includes.map((file) => readFile(join(root, file), 'utf8'))),
    targets: inclusterTargets(dirs, runners),
  });
  const note = merged.theirs.length
    ? `targets this Makefile${includes.length ? ` (or ${includes.join(', ')})` : ''} defines, left as they are: ${merged.theirs.join(', ')}`
    : undefined;
  if (existing === undefined) {
    await write(path, merged.text);
    return { path, outcome: 'created' };
  }
  if (merged.text === existing) return { path, outcome: 'unchanged', note };
  const diff = unifiedDiff(existing, merged.text, path);
  if (!merged.blockDiffers) {
    // Appending a new block overwrites nothing of the user's.
    await write(path, merged.text);
    return { path, outcome: 'appended', diff, note };
  }
  // Our block is there but differs (edited, or written by another version): theirs until forced,
  // and then only the block is rewritten.
  if (options.force) await write(path, merged.text);
  return {
    path,
    outcome: options.force ? 'overwritten' : 'conflict',
    diff,
    note: [note, options.force ? 'the incluster block rewritten' : 'the incluster block differs']
      .filter(Boolean)
      .join('; '),
  };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
