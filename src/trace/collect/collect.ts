// Collects every test of a suite with its describe path, location and tags, without running or
// importing anything: plans which files Vitest (or trace.tests) selects, reuses what the cache
// holds for unchanged files, and has walk.ts read the others.
import { globSync } from 'tinyglobby';
import { CollectionCache, collectorIdentity, textHash } from './cache.ts';
import { readSource, type ImportResolution } from './source-module.ts';
import { resolveVitestTestSet } from './vitest-project.ts';
import {
  toRelative,
  type Collection,
  type CollectionProblem,
  type CollectOptions,
  type FileCollection,
  type TestSetSource,
} from './collection.ts';
import { collectModuleOf, collectOneFile, createWalkContext, type WalkContext } from './walk.ts';

/** Finds the test files and collects their tests; an unparseable file is a UsageError (exit 2). */
export function collectTests(options: CollectOptions): Collection {
  const plan = planCollection(options);
  const { files } = plan;
  const resolutions = [plan.resolution, ...new Set(plan.fileResolutions.values())];
  const identity = `${collectorIdentity()}:${textHash(resolutionKey(resolutions))}`;
  const cache = options.cache ? CollectionCache.open<FileCollection>(options.root, identity) : undefined;
  const contextOf = walkContexts(options.root, plan);
  if (!cache)
    return finish(plan, joinCollections(files.map((file) => collectOneFile(contextOf(file), file))));
  let reused = 0;
  const collected = files.map((file) => {
    const text = readSource(file);
    const hash = textHash(text);
    const cached = cache.lookup(file, hash);
    if (cached) {
      reused += 1;
      return cached;
    }
    const context = contextOf(file);
    const module = context.graph.load(file, { keep: false, text, hollowTests: true });
    const result = collectModuleOf(context, module);
    // Whether an import resolves can change with node_modules, which no hash covers: not cached.
    const unresolvedImport = result.problems.some((p) => p.kind === 'unresolved-import');
    cache.store(file, hash, unresolvedImport ? undefined : context.graph.dependenciesOf(module), result);
    return result;
  });
  cache.save();
  return finish(plan, { ...joinCollections(collected), reused });
}

/**
 * The walk context for each file: one per way imports resolve (each Vitest project's aliases), so
 * a file's imports follow its own project's aliases and helpers are parsed once per project.
 */
function walkContexts(root: string, plan: CollectionPlan): (file: string) => WalkContext {
  const contexts = new Map<ImportResolution, WalkContext>();
  return (file) => {
    const resolution = plan.fileResolutions.get(file) ?? plan.resolution;
    let context = contexts.get(resolution);
    if (!context) contexts.set(resolution, (context = createWalkContext(root, resolution)));
    return context;
  };
}

interface CollectionPlan {
  files: string[];
  /** How imports resolve in a file no Vitest project selects. */
  resolution: ImportResolution;
  /** How they resolve in each file a Vitest project selects (its aliases). */
  fileResolutions: ReadonlyMap<string, ImportResolution>;
  source: TestSetSource;
  problems: CollectionProblem[];
}

/** Which files to collect, and the problems of the test set itself (Vitest config, disagreement). */
function planCollection(options: CollectOptions): CollectionPlan {
  const { root } = options;
  const vitest = resolveVitestTestSet(root);
  const vitestConfig = vitest.configFile ? toRelative(root, vitest.configFile) : null;
  const projects = vitest.projects.map((p) => p.name);
  const configProblems: CollectionProblem[] = vitest.problems.map((p) => ({
    kind: 'vitest-config',
    file: toRelative(root, p.file),
    line: p.line,
    column: p.column,
    message: `${p.message}; the test set cannot be known without running the config (set trace.tests to choose it)`,
  }));
  if (!options.include) {
    const exclude = options.exclude?.length
      ? new Set(collectFileList({ root, include: options.exclude }))
      : undefined;
    return {
      files: exclude ? vitest.files.filter((f) => !exclude.has(f)) : vitest.files,
      resolution: vitest.resolution,
      fileResolutions: vitest.fileResolutions,
      source: { from: 'vitest', vitestConfig, projects },
      problems: configProblems,
    };
  }
  const files = collectFileList(options);
  const problems: CollectionProblem[] = [];
  if (options.compareWithVitest && configProblems.length === 0) {
    const mine = new Set(files);
    const theirs = new Set(vitest.files);
    const where = vitestConfig ?? "Vitest's defaults";
    for (const file of vitest.files)
      if (!mine.has(file))
        problems.push(
          setProblem(
            root,
            file,
            `Vitest runs this file (${where}) but trace.tests does not match it: its tests are not checked`,
          ),
        );
    for (const file of files)
      if (!theirs.has(file))
        problems.push(
          setProblem(
            root,
            file,
            `trace.tests matches this file but Vitest does not run it (${where}): its tests are not coverage`,
          ),
        );
  }
  return {
    files,
    resolution: vitest.resolution,
    fileResolutions: vitest.fileResolutions,
    source: { from: 'trace.tests', vitestConfig, projects },
    problems,
  };
}

function setProblem(root: string, file: string, message: string): CollectionProblem {
  return { kind: 'test-set', file: toRelative(root, file), line: 1, column: 1, message };
}

function finish(plan: CollectionPlan, collection: Omit<Collection, 'source'>): Collection {
  return {
    ...collection,
    problems: [...plan.problems, ...collection.problems],
    source: plan.source,
  };
}

function resolutionKey(resolution: readonly ImportResolution[]): string {
  return JSON.stringify(resolution, (_key, value: unknown) =>
    value instanceof RegExp ? String(value) : value,
  );
}

/** The test files the options' globs select: absolute paths, sorted, so every collection has one order. */
export function collectFileList(options: CollectOptions): string[] {
  const include = options.include ?? ['test/**/*.test.ts'];
  return globSync([...include], {
    cwd: options.root,
    absolute: true,
    ignore: ['**/node_modules/**', ...(options.exclude ?? [])],
  }).sort();
}

/** Collects the tests of the given files (absolute paths). */
export function collectFiles(root: string, files: readonly string[]): Collection {
  const context = createWalkContext(root);
  return {
    ...joinCollections(files.map((file) => collectOneFile(context, file))),
    source: { from: 'trace.tests', vitestConfig: null, projects: [] },
  };
}

function joinCollections(collected: readonly FileCollection[]): Omit<Collection, 'source'> {
  return {
    files: collected.map((c) => c.file),
    tests: collected.flatMap((c) => c.tests),
    problems: collected.flatMap((c) => c.problems),
    reused: 0,
  };
}
