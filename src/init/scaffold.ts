// What `incluster init` writes into a repository, and how it decides per file: create what is
// missing, leave what is identical, never overwrite a user's different file (a conflict, shown as a
// diff) unless forced. The kind config, service manifests and runner Dockerfile are read from
// incluster's own package at run time, so a scaffolded copy is identical to the one incluster tests with.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { unifiedDiff } from './diff.ts';
import { mergeGitignore } from './gitignore.ts';
import { BLOCK_BEGIN, BLOCK_END, mergeMakefile } from './makefile.ts';

/** incluster's package root: src/init/ (or dist/init/ once built) is two levels below it. */
export const PACKAGE_ROOT = resolve(import.meta.dirname, '../..');

/** One file init wants in the repository. */
export interface ScaffoldFile {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  content: string;
}

/** What happened (or, in a dry run, would happen) to one file. */
export type FileOutcome = 'created' | 'unchanged' | 'conflict' | 'overwritten' | 'appended';

export interface FileResult {
  path: string;
  outcome: FileOutcome;
  /** For a conflict (and an overwrite): the change init wanted, as a unified diff. */
  diff?: string;
  /** Why, for people: e.g. the Makefile targets the user already defines. */
  note?: string;
}

/** Templates under templates/init/, copied to the same relative path. */
const TEMPLATE_FILES = [
  'incluster.config.yaml',
  // The workflow's setup-node reads the Node.js version from it: the runner image's major.
  '.nvmrc',
  '.dockerignore',
  '.github/workflows/ci.yml',
  'test/integration/example.test.ts',
  'specs/001-example/spec.md',
  'vitest.config.ts',
];

/** Every file init writes, read from the package (templates/init/, testing/k8s/). */
export async function scaffoldFiles(packageRoot: string = PACKAGE_ROOT): Promise<ScaffoldFile[]> {
  const files: ScaffoldFile[] = [];
  for (const path of TEMPLATE_FILES)
    files.push({ path, content: await readFile(join(packageRoot, 'templates/init', path), 'utf8') });
  // The runner Dockerfile incluster's own `run` is built and tested with; the template only when a
  // build ships without it.
  const dockerfile = join(packageRoot, 'testing/Dockerfile');
  files.push({
    path: 'testing/Dockerfile',
    content: await readFile(
      existsSync(dockerfile) ? dockerfile : join(packageRoot, 'templates/init/testing/Dockerfile'),
      'utf8',
    ),
  });
  files.push({
    path: 'testing/k8s/kind-config.yaml',
    content: await readFile(join(packageRoot, 'testing/k8s/kind-config.yaml'), 'utf8'),
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

/** Scaffolds into `root`. With `dryRun` nothing is written; with `force` differing files are overwritten. */
export async function scaffold(
  root: string,
  options: { dryRun?: boolean; force?: boolean; packageRoot?: string } = {},
): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const write = async (path: string, content: string) => {
    if (options.dryRun) return;
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  };
  for (const file of await scaffoldFiles(options.packageRoot)) {
    const existing = await readIfExists(join(root, file.path));
    if (existing === undefined) {
      await write(file.path, file.content);
      results.push({ path: file.path, outcome: 'created' });
    } else if (existing === file.content) {
      results.push({ path: file.path, outcome: 'unchanged' });
    } else {
      const diff = unifiedDiff(existing, file.content, file.path);
      if (options.force) await write(file.path, file.content);
      results.push({ path: file.path, outcome: options.force ? 'overwritten' : 'conflict', diff });
    }
  }
  results.push(await scaffoldMakefile(root, options, write));
  results.push(await scaffoldGitignore(root, write));
  return results;
}

async function scaffoldGitignore(
  root: string,
  write: (path: string, content: string) => Promise<void>,
): Promise<FileResult> {
  const path = '.gitignore';
  const existing = await readIfExists(join(root, path));
  const merged = mergeGitignore(existing);
  if (existing === undefined) {
    await write(path, merged);
    return { path, outcome: 'created' };
  }
  if (merged === existing) return { path, outcome: 'unchanged' };
  // Only lines are added: nothing of the user's changes.
  await write(path, merged);
  return { path, outcome: 'appended', diff: unifiedDiff(existing, merged, path) };
}

async function scaffoldMakefile(
  root: string,
  options: { force?: boolean },
  write: (path: string, content: string) => Promise<void>,
): Promise<FileResult> {
  const path = 'Makefile';
  const existing = await readIfExists(join(root, path));
  const merged = mergeMakefile(existing);
  const note = merged.conflicts.length
    ? `targets already defined by this Makefile, left as they are: ${merged.conflicts.join(', ')}`
    : undefined;
  if (existing === undefined) {
    await write(path, merged.text);
    return { path, outcome: 'created' };
  }
  if (merged.text === existing)
    return { path, outcome: merged.conflicts.length ? 'conflict' : 'unchanged', note };
  const diff = unifiedDiff(existing, merged.text, path);
  if (!existing.includes(BLOCK_BEGIN) || !existing.includes(BLOCK_END)) {
    // Appending a new block overwrites nothing of the user's.
    await write(path, merged.text);
    return { path, outcome: 'appended', diff, note };
  }
  // Our block is there but differs (edited, or written by another version): theirs until forced.
  if (options.force) await write(path, merged.text);
  return {
    path,
    outcome: options.force ? 'overwritten' : 'conflict',
    diff,
    note: note ?? 'the incluster block differs',
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
