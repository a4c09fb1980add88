// Collects every test of a suite with its describe path, location and tags, without running or
// importing anything: test files are parsed (oxc) and walked. Tags are evaluated statically; a tag
// expression that cannot be resolved is reported as a problem at its file and line, never dropped.
import { relative } from 'node:path';
import { visitorKeys } from 'oxc-parser';
import { globSync } from 'tinyglobby';
import { CollectionCache, textHash } from './cache.ts';
import { Evaluator, OPAQUE_FUNCTION, Unresolved } from './evaluate.ts';
import { ModuleGraph, readSource, unwrap, type AstNode, type SourceModule } from './source-module.ts';
import { TestApiResolver, type DeclaringApi, type TestMode } from './test-api.ts';

/** One test as declared in the source. */
export interface CollectedTest {
  /** Test file, relative to the root, with `/` separators. */
  file: string;
  line: number;
  column: number;
  /** The test's own name (a template for `.each`/`.for`). */
  name: string;
  /** Names of the enclosing suites, outermost first. */
  suites: string[];
  /** Suites and name joined with ` > `, as Vitest prints them. */
  fullName: string;
  /** Every tag that applies: the file's, the suites' and the test's own, in that order, unique. */
  tags: string[];
  mode: TestMode;
  each: boolean;
  conditional: boolean;
}

/** Something in a test file the collector could not resolve; it fails the trace gate. */
export interface CollectionProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** The result of collecting a suite. */
export interface Collection {
  /** Test files, relative to the root. */
  files: string[];
  tests: CollectedTest[];
  problems: CollectionProblem[];
  /** How many files were taken from the cache instead of parsed (0 without a cache). */
  reused: number;
}

export interface CollectOptions {
  /** Directory the globs and reported paths are relative to. */
  root: string;
  /** Globs of test files (`trace.tests`); default `test/**\/*.test.ts`. */
  include?: readonly string[];
  exclude?: readonly string[];
  /**
   * Reuse what unchanged files declared in an earlier collection (node_modules/.cache/incluster),
   * and record this one. Off by default; `incluster trace` turns it on.
   */
  cache?: boolean;
}

/** Finds the test files and collects their tests; an unparseable file is a UsageError (exit 2). */
export function collectTests(options: CollectOptions): Collection {
  const files = collectFileList(options);
  const cache = options.cache ? CollectionCache.open<FileCollection>(options.root) : undefined;
  if (!cache) return collectFiles(options.root, files);
  const context = createWalkContext(options.root);
  let reused = 0;
  const collected = files.map((file) => {
    const text = readSource(file);
    const hash = textHash(text);
    const cached = cache.lookup(file, hash);
    if (cached) {
      reused += 1;
      return cached;
    }
    const module = context.graph.load(file, { keep: false, text });
    const result = collectModuleOf(context, module);
    cache.store(file, hash, context.graph.dependenciesOf(module), result);
    return result;
  });
  cache.save();
  return { ...joinCollections(collected), reused };
}

/** The test files the options select: absolute paths, sorted, so every collection has one order. */
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
  return joinCollections(files.map((file) => collectOneFile(context, file)));
}

function joinCollections(collected: readonly FileCollection[]): Collection {
  return {
    files: collected.map((c) => c.file),
    tests: collected.flatMap((c) => c.tests),
    problems: collected.flatMap((c) => c.problems),
    reused: 0,
  };
}

/** What one test file declares. */
export interface FileCollection {
  /** The file, relative to the root. */
  file: string;
  tests: CollectedTest[];
  problems: CollectionProblem[];
}

/**
 * The parser's state for one thread's share of a collection: helper modules that several test
 * files import are parsed once per context.
 */
export interface WalkContext {
  root: string;
  graph: ModuleGraph;
  evaluator: Evaluator;
  api: TestApiResolver;
  tests: CollectedTest[];
  problems: CollectionProblem[];
}

/** A fresh context for collecting files under `root`. */
export function createWalkContext(root: string): WalkContext {
  const graph = new ModuleGraph();
  return {
    root,
    graph,
    evaluator: new Evaluator(graph),
    api: new TestApiResolver(graph),
    tests: [],
    problems: [],
  };
}

/** Collects one test file (absolute path); an unparseable file is a UsageError. */
export function collectOneFile(context: WalkContext, file: string): FileCollection {
  return collectModuleOf(context, context.graph.load(file, { keep: false }));
}

function collectModuleOf(context: WalkContext, module: SourceModule): FileCollection {
  context.tests = [];
  context.problems = [];
  collectModule(context, module);
  return { file: toRelative(context.root, module.path), tests: context.tests, problems: context.problems };
}

interface SuiteFrame {
  names: string[];
  tags: string[];
  mode: TestMode;
  each: boolean;
  conditional: boolean;
}

interface FileWalk {
  context: WalkContext;
  module: SourceModule;
  file: string;
  /** Module-level functions passed to `describe` by name: walked inside that suite, not at top level. */
  claimed: Set<AstNode>;
}

// `// @module-tag name` or ` * @module-tag name`: Vitest's file-level tags.
const MODULE_TAG = /(?:\/\/|\*)\s*@module-tag\s+([\w\-/]+)\b/g;

function collectModule(context: WalkContext, module: SourceModule): void {
  const walk: FileWalk = { context, module, file: toRelative(context.root, module.path), claimed: new Set() };
  const fileTags = [...module.text.matchAll(MODULE_TAG)].map((m) => m[1]!);
  const root: SuiteFrame = {
    names: [],
    tags: unique(fileTags),
    mode: 'run',
    each: false,
    conditional: false,
  };
  // Module-level function bodies are walked last, so a `describe` that names one can claim it first.
  const deferred: AstNode[] = [];
  for (const statement of module.program.body as AstNode[]) {
    if (moduleFunction(statement)) deferred.push(statement);
    else visit(walk, statement, root);
  }
  for (const statement of deferred)
    if (!walk.claimed.has(moduleFunction(statement)!)) visit(walk, statement, root);
}

/** The function a module-level statement declares (`function f() {}`, `const f = () => {}`), if any. */
function moduleFunction(statement: AstNode): AstNode | undefined {
  const node =
    statement.type === 'ExportNamedDeclaration' && statement.declaration
      ? (statement.declaration as AstNode)
      : statement;
  if (node.type === 'FunctionDeclaration') return node;
  if (node.type === 'VariableDeclaration' && (node.declarations as AstNode[]).length === 1) {
    const init = (node.declarations as AstNode[])[0]!.init as AstNode | null;
    if (init && (init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression')) return init;
  }
  return undefined;
}

function visit(walk: FileWalk, node: AstNode, frame: SuiteFrame): void {
  if (node.type === 'CallExpression' && declare(walk, node, frame)) return;
  const keys = (visitorKeys as Record<string, readonly string[] | undefined>)[node.type] ?? [];
  for (const key of keys) {
    const child = node[key];
    if (Array.isArray(child)) {
      for (const item of child as (AstNode | null)[])
        if (item && typeof item.type === 'string') visit(walk, item, frame);
    } else if (child && typeof (child as AstNode).type === 'string') visit(walk, child as AstNode, frame);
  }
}

/** Handles a call that declares a test or suite; returns false for any other call. */
function declare(walk: FileWalk, call: AstNode, frame: SuiteFrame): boolean {
  const { module, context } = walk;
  const api = context.api.resolve(call.callee as AstNode, module);
  if (!api || (api.kind !== 'test' && api.kind !== 'describe')) return false;
  const args = call.arguments as AstNode[];
  if (args.length === 0 || args[0]!.type === 'SpreadElement') return false;
  const at = module.position(call.start);
  const name = nameOfTest(walk, args[0]!);
  const { tags, mode: optionMode, body } = readArguments(walk, args.slice(1), at);
  const own = resolveMode(api, optionMode);
  const mode: TestMode = frame.mode !== 'run' && own !== 'only' ? frame.mode : own;
  const allTags = unique([...frame.tags, ...tags]);
  const names = [...frame.names, name];
  if (api.kind === 'test') {
    context.tests.push({
      file: walk.file,
      line: at.line,
      column: at.column,
      name,
      suites: frame.names,
      fullName: names.join(' > '),
      tags: allTags,
      mode: api.mode === 'todo' || optionMode === 'todo' ? 'todo' : mode,
      each: frame.each || api.each,
      conditional: frame.conditional || api.conditional,
    });
    return true; // a test's body declares no tests
  }
  const inner: SuiteFrame = {
    names,
    tags: allTags,
    mode,
    each: frame.each || api.each,
    conditional: frame.conditional || api.conditional,
  };
  if (body) visitBody(walk, body, inner);
  return true;
}

function resolveMode(api: DeclaringApi, optionMode: TestMode | undefined): TestMode {
  if (api.mode !== 'run') return api.mode;
  return optionMode ?? 'run';
}

/** Walks a suite's callback, or the module-level function it names. */
function visitBody(walk: FileWalk, body: AstNode, frame: SuiteFrame): void {
  const node = unwrap(body);
  if (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') {
    visit(walk, node.body as AstNode, frame);
    return;
  }
  if (node.type === 'Identifier') {
    const binding = walk.module.bindings.get(node.name as string);
    const fn =
      binding?.kind === 'function'
        ? binding.node
        : binding?.kind === 'variable' && binding.init
          ? unwrap(binding.init)
          : undefined;
    if (
      fn &&
      (fn.type === 'FunctionDeclaration' ||
        fn.type === 'ArrowFunctionExpression' ||
        fn.type === 'FunctionExpression')
    ) {
      walk.claimed.add(fn);
      visit(walk, fn.body as AstNode, frame);
    }
  }
}

/** Reads `(options?, fn?)` or `(fn, options | timeout)` after the name. */
function readArguments(
  walk: FileWalk,
  rest: AstNode[],
  at: { line: number; column: number },
): { tags: string[]; mode: TestMode | undefined; body: AstNode | undefined } {
  const { module, context } = walk;
  let body: AstNode | undefined;
  let tags: string[] = [];
  let mode: TestMode | undefined;
  rest.forEach((arg, index) => {
    const node = unwrap(arg);
    if (node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression') {
      body = node;
      return;
    }
    const value = context.evaluator.evaluate(node, module);
    const last = index === rest.length - 1;
    if (value === OPAQUE_FUNCTION || typeof value === 'number' || value === undefined) {
      if (value === OPAQUE_FUNCTION) body = node;
      return;
    }
    if (value instanceof Unresolved) {
      // A last argument that is not an object literal is the test body passed by a name we cannot
      // follow; anything else may carry tags.
      if (last && node.type !== 'ObjectExpression') {
        body = node;
        return;
      }
      problem(walk, at, `cannot resolve the options of this test: ${explain(walk, value)}`);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const options = value as Record<string, unknown>;
    tags = readTags(walk, options.tags, at);
    for (const flag of ['skip', 'only', 'todo'] as const) if (options[flag] === true) mode = flag;
  });
  return { tags, mode, body };
}

function readTags(walk: FileWalk, value: unknown, at: { line: number; column: number }): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (value instanceof Unresolved) {
    problem(walk, at, `cannot resolve the tags of this test: ${explain(walk, value)}`);
    return [];
  }
  if (!Array.isArray(value)) {
    problem(walk, at, 'tags must be a string or an array of strings');
    return [];
  }
  const tags: string[] = [];
  for (const item of value as unknown[]) {
    if (typeof item === 'string') tags.push(item);
    else if (item instanceof Unresolved)
      problem(walk, at, `cannot resolve a tag of this test: ${explain(walk, item)}`);
    else problem(walk, at, `a tag is not a string: ${JSON.stringify(item) ?? typeof item}`);
  }
  return tags;
}

function nameOfTest(walk: FileWalk, arg: AstNode): string {
  const node = unwrap(arg);
  const { module, context } = walk;
  if (node.type === 'Literal') return String(node.value);
  if (node.type === 'TemplateLiteral') {
    // Keep `${…}` placeholders as written: the name of a looped test is its template.
    return module.text.slice(node.start + 1, node.end - 1);
  }
  const value = context.evaluator.evaluate(node, module);
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return module.text.slice(node.start, node.end);
}

function explain(walk: FileWalk, value: Unresolved): string {
  const where =
    value.file === walk.module.path
      ? `line ${value.line}`
      : `${toRelative(walk.context.root, value.file)}:${value.line}`;
  return `${value.reason} (${where})`;
}

function problem(walk: FileWalk, at: { line: number; column: number }, message: string): void {
  walk.context.problems.push({ file: walk.file, line: at.line, column: at.column, message });
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

function toRelative(root: string, file: string): string {
  return relative(root, file).split('\\').join('/');
}
