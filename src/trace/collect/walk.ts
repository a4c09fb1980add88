// Reads one test file as Vitest would declare its tests: the module is parsed (oxc) and walked,
// following describe blocks, loops, helper functions and imports, and evaluating tags statically.
// A tag expression that cannot be resolved is reported as a problem at its file and line, never dropped.
import { visitorKeys } from 'oxc-parser';
import { Evaluator, OPAQUE_FUNCTION, Unresolved } from './evaluate.ts';
import { childScope, hoist, lookup, parameterScope, patternNames, type Scope } from './scope.ts';
import {
  ModuleGraph,
  nameOf,
  unwrap,
  type AstNode,
  type Binding,
  type ImportResolution,
  type SourceModule,
} from './source-module.ts';
import { TestApiResolver, type DeclaringApi, type TestMode } from './test-api.ts';
import { toRelative, type CollectedTest, type CollectionProblem, type FileCollection } from './collection.ts';

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

/** A fresh context for collecting files under `root`, following aliases as `resolution` says. */
export function createWalkContext(root: string, resolution?: ImportResolution): WalkContext {
  const graph = new ModuleGraph(resolution);
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
  return collectModuleOf(context, context.graph.load(file, { keep: false, hollowTests: true }));
}

/**
 * Thrown when the walk would enter a body the parse left out because its call looked like a test
 * (a helper named `it`, `test.each` passed on): the file is collected again from its whole tree,
 * so leaving bodies out never changes an answer.
 */
class HollowBodyRead extends Error {}

/** Collects a parsed test file; a body left out of a hollow parse is read again from the whole tree. */
export function collectModuleOf(context: WalkContext, module: SourceModule): FileCollection {
  try {
    return walkModule(context, module);
  } catch (error) {
    if (!(error instanceof HollowBodyRead)) throw error;
    return walkModule(context, context.graph.load(module.path, { keep: false, text: module.text }));
  }
}

function walkModule(context: WalkContext, module: SourceModule): FileCollection {
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
  /** A problem was reported for an enclosing suite's tags: its tests are not also "untagged". */
  reported: boolean;
}

/** Where the walk is: the module whose code it reads, and the scope inside it. */
interface Env {
  module: SourceModule;
  scope: Scope | undefined;
  /** In another module (a helper the test file calls): the call site in the test file, where Vitest places the tests. */
  site?: { line: number; column: number };
  /** Walking a function nothing calls: its tests are reported, not collected. */
  dead?: string;
  /** Functions being followed, against recursion. */
  following: ReadonlySet<AstNode>;
}

interface FileWalk {
  context: WalkContext;
  module: SourceModule;
  file: string;
  /** Functions walked where they are called (or passed to `describe`): not reported as uncalled. */
  called: Set<AstNode>;
  /** Function bodies the walk entered, so an argument already followed is not walked twice. */
  entered: Set<AstNode>;
  /** Functions declared in the test file, with where: those never called are checked for tests. */
  declared: Map<AstNode, { name: string; env: Env }>;
}

// `// @module-tag name` or ` * @module-tag name`: Vitest's file-level tags.
const MODULE_TAG = /(?:\/\/|\*)\s*@module-tag\s+([\w\-/]+)\b/g;

function collectModule(context: WalkContext, module: SourceModule): void {
  const walk: FileWalk = {
    context,
    module,
    file: toRelative(context.root, module.path),
    called: new Set(),
    entered: new Set(),
    declared: new Map(),
  };
  const fileTags = [...module.text.matchAll(MODULE_TAG)].map((m) => m[1]!);
  const root: SuiteFrame = {
    names: [],
    tags: unique(fileTags),
    mode: 'run',
    each: false,
    conditional: false,
    reported: false,
  };
  const env: Env = { module, scope: undefined, following: new Set() };
  for (const [name, binding] of module.bindings) {
    const fn = bindingFunction(binding);
    if (fn) walk.declared.set(fn, { name, env });
  }
  checkImports(walk);
  const before = context.tests.length;
  for (const statement of module.program.body as AstNode[]) visit(walk, statement, root, env);
  // Functions nothing calls: Vitest never declares their tests. Walking one may declare more.
  const checked = new Set<AstNode>();
  for (
    let pending = uncheckedFunctions(walk, checked);
    pending.length;
    pending = uncheckedFunctions(walk, checked)
  ) {
    for (const [fn, { name, env: where }] of pending) {
      checked.add(fn);
      enterFunction(walk, fn, root, { ...where, dead: name }, undefined);
    }
  }
  if (context.tests.length === before && !context.problems.some((p) => p.kind !== 'uncalled-test'))
    context.problems.push({
      kind: 'no-tests',
      file: walk.file,
      line: 1,
      column: 1,
      message: 'this test file declares no tests (Vitest fails it: "No test suite found")',
    });
}

/** An import Vite cannot resolve fails the file in Vitest: none of its tests run. */
function checkImports(walk: FileWalk): void {
  const { module } = walk;
  for (const statement of module.program.body as AstNode[]) {
    const source = statement.source as AstNode | null | undefined;
    if (!source || typeof source.value !== 'string') continue;
    if (!['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration'].includes(statement.type))
      continue;
    // `import type` and `export type` are erased before Vitest loads the file.
    if (statement.importKind === 'type' || statement.exportKind === 'type') continue;
    if (walk.context.graph.canResolve(module, source.value)) continue;
    problem(
      walk,
      module.position(source.start),
      `\`${source.value}\` does not resolve (no such file, alias or installed package): Vitest fails this file when it loads it`,
      'unresolved-import',
    );
  }
}

function uncheckedFunctions(walk: FileWalk, checked: Set<AstNode>): [AstNode, { name: string; env: Env }][] {
  return [...walk.declared].filter(([fn]) => !walk.called.has(fn) && !checked.has(fn));
}

/** The function a module-level binding holds (`function f() {}`, `const f = () => {}`), if any. */
function bindingFunction(binding: Binding): AstNode | undefined {
  if (binding.kind === 'function') return binding.node;
  if (binding.kind === 'variable' && binding.declaration === 'const' && binding.init) {
    const init = unwrap(binding.init);
    if (init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression') return init;
  }
  return undefined;
}

function isFunction(node: AstNode): boolean {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression';
}

const KEYS = visitorKeys as Record<string, readonly string[] | undefined>;

function visitChildren(walk: FileWalk, node: AstNode, frame: SuiteFrame, env: Env): void {
  for (const key of KEYS[node.type] ?? []) {
    const child = node[key];
    if (Array.isArray(child)) {
      for (const item of child as (AstNode | null)[])
        if (item && typeof item.type === 'string') visit(walk, item, frame, env);
    } else if (child && typeof (child as AstNode).type === 'string')
      visit(walk, child as AstNode, frame, env);
  }
}

function visit(walk: FileWalk, node: AstNode, frame: SuiteFrame, env: Env): void {
  switch (node.type) {
    case 'CallExpression':
      if (declare(walk, node, frame, env)) return;
      if (follow(walk, node, frame, env)) return;
      break;
    // Named functions are walked where they are called, not where they are written.
    case 'FunctionDeclaration':
      return;
    case 'VariableDeclarator':
      if ((node.init as AstNode | null) && isFunction(unwrap(node.init as AstNode))) return;
      break;
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
      // A callback (`forEach(() => …)`, an IIFE, a method): walked as if it ran, once.
      enterFunction(walk, node, frame, env, undefined);
      return;
    case 'BlockStatement':
    case 'StaticBlock': {
      const scope = childScope(env.scope);
      hoistInto(walk, scope, node.body as AstNode[], env);
      visitChildren(walk, node, frame, { ...env, scope });
      return;
    }
    case 'ForOfStatement':
      if (!unrollLoop(walk, node, frame, env)) visitLoop(walk, node, frame, env);
      return;
    case 'ForStatement':
    case 'ForInStatement':
      visitLoop(walk, node, frame, env);
      return;
    case 'CatchClause': {
      const scope = childScope(env.scope);
      if (node.param)
        for (const name of patternNames(node.param as AstNode))
          scope.names.set(name, { kind: 'unknown', reason: `\`${name}\` is a caught error` });
      visitChildren(walk, node, frame, { ...env, scope });
      return;
    }
    default:
  }
  visitChildren(walk, node, frame, env);
}

/** Walks a loop once, with its variables unknown. */
function visitLoop(walk: FileWalk, node: AstNode, frame: SuiteFrame, env: Env): void {
  const scope = childScope(env.scope);
  const head = (node.init ?? node.left) as AstNode | null;
  if (head?.type === 'VariableDeclaration')
    for (const declarator of head.declarations as AstNode[])
      for (const name of patternNames(declarator.id as AstNode))
        scope.names.set(name, { kind: 'unknown', reason: `\`${name}\` is a loop variable` });
  visitChildren(walk, node, frame, { ...env, scope });
}

/**
 * `for (const c of CASES) test(c.name, { tags: c.tags }, …)` over a constant array: Vitest declares
 * one test per element, each with its own tags, so the body is walked once per element with the
 * loop variable bound to it. Any other loop is walked once, its variable unknown.
 */
function unrollLoop(walk: FileWalk, node: AstNode, frame: SuiteFrame, env: Env): boolean {
  const head = node.left as AstNode;
  if (head.type !== 'VariableDeclaration' || head.kind !== 'const' || node.await) return false;
  const id = (head.declarations as AstNode[])[0]?.id as AstNode | undefined;
  if (id?.type !== 'Identifier') return false;
  const items = walk.context.evaluator.evaluate(node.right as AstNode, env.module, env.scope);
  if (!Array.isArray(items) || items.length > 1000 || items.some((item) => item instanceof Unresolved))
    return false;
  for (const item of items as unknown[]) {
    const scope = childScope(env.scope);
    scope.names.set(nameOf(id), { kind: 'value', value: item });
    visit(walk, node.body as AstNode, frame, { ...env, scope });
  }
  return true;
}

/** Declares a block's names in `scope`, remembering the functions among them. */
function hoistInto(walk: FileWalk, scope: Scope, statements: readonly AstNode[], env: Env): void {
  hoist(scope, statements, env.module);
  if (env.module !== walk.module) return;
  for (const [name, binding] of scope.names)
    if (binding.kind === 'function' && !walk.declared.has(binding.node))
      walk.declared.set(binding.node, { name, env: { ...env, scope } });
}

/** Walks a function's body in a scope of its parameters (bound to `call`'s arguments, if given). */
function enterFunction(
  walk: FileWalk,
  fn: AstNode,
  frame: SuiteFrame,
  env: Env,
  call: Parameters<typeof parameterScope>[2],
): void {
  const body = fn.body as AstNode;
  if (env.module.hollowBodies?.has(body.start)) throw new HollowBodyRead();
  walk.entered.add(fn);
  const scope = parameterScope(fn, env.scope, call);
  const inner: Env = { ...env, scope, following: new Set([...env.following, fn]) };
  if (body.type === 'BlockStatement' || body.type === 'FunctionBody') {
    hoistInto(walk, scope, body.body as AstNode[], inner);
    for (const statement of body.body as AstNode[]) visit(walk, statement, frame, inner);
  } else visit(walk, body, frame, inner);
}

/**
 * A call of a function the walk can see (declared in an enclosing scope, at module level, or
 * exported by a local module): its body is walked here, with its parameters bound to the
 * arguments, so the tests it declares get this suite's names and tags, as they do in Vitest.
 */
function follow(walk: FileWalk, call: AstNode, frame: SuiteFrame, env: Env): boolean {
  if (env.dead) return false;
  const target = calledFunction(walk, call.callee as AstNode, env);
  if (!target || env.following.has(target.fn)) return false;
  walk.called.add(target.fn);
  const args = call.arguments as AstNode[];
  const site = env.site ?? (target.module === walk.module ? undefined : env.module.position(call.start));
  enterFunction(
    walk,
    target.fn,
    frame,
    { ...env, module: target.module, scope: target.scope, site },
    {
      args,
      scope: env.scope,
      module: env.module,
    },
  );
  // Callbacks the function did not call itself (it passed them on, to `forEach` say) still run.
  for (const arg of args) {
    const node = unwrap(arg);
    if (isFunction(node) && !walk.entered.has(node)) enterFunction(walk, node, frame, env, undefined);
  }
  return true;
}

interface CalledFunction {
  fn: AstNode;
  module: SourceModule;
  scope: Scope | undefined;
}

/** The function a callee names, if the walk can see its body. */
function calledFunction(walk: FileWalk, callee: AstNode, env: Env, depth = 0): CalledFunction | undefined {
  const node = unwrap(callee);
  if (depth > 8 || node.type !== 'Identifier') return undefined;
  const name = nameOf(node);
  const local = lookup(env.scope, name);
  if (local?.kind === 'function') return { fn: local.node, module: local.module, scope: local.scope };
  if (local?.kind === 'expr') {
    if (!local.node) return undefined;
    const value = unwrap(local.node);
    if (isFunction(value)) return { fn: value, module: local.module, scope: local.scope };
    return calledFunction(walk, value, { ...env, module: local.module, scope: local.scope }, depth + 1);
  }
  if (local) return undefined;
  return moduleFunction(walk, env.module, name, depth);
}

function moduleFunction(
  walk: FileWalk,
  module: SourceModule,
  name: string,
  depth: number,
): CalledFunction | undefined {
  const binding = module.bindings.get(name);
  if (!binding || depth > 8) return undefined;
  const fn = bindingFunction(binding);
  if (fn) return { fn, module, scope: undefined };
  if (binding.kind !== 'import' || binding.source === 'vitest') return undefined;
  const target = walk.context.graph.loadImport(module, binding.source);
  return target ? exportedFunction(walk, target, binding.imported, depth + 1) : undefined;
}

function exportedFunction(
  walk: FileWalk,
  module: SourceModule,
  name: string,
  depth: number,
): CalledFunction | undefined {
  const entry = module.exports.get(name);
  if (entry && 'local' in entry) return moduleFunction(walk, module, entry.local, depth);
  const sources = entry ? [entry.source] : module.starExports;
  for (const source of sources) {
    const target = walk.context.graph.loadImport(module, source);
    const found = target && exportedFunction(walk, target, entry ? entry.imported : name, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Handles a call that declares a test or suite; returns false for any other call. */
function declare(walk: FileWalk, call: AstNode, frame: SuiteFrame, env: Env): boolean {
  const { context } = walk;
  const { module } = env;
  const api = context.api.resolve(call.callee as AstNode, module, env.scope);
  if (!api) return false;
  const at = env.site ?? module.position(callPosition(module, call));
  if (api.kind === 'invalid') {
    problem(walk, at, api.message, 'invalid-api');
    return true;
  }
  if (api.kind !== 'test' && api.kind !== 'describe') return false;
  const args = call.arguments as AstNode[];
  if (args.length === 0 || args[0]!.type === 'SpreadElement') return false;
  const name = nameOfTest(walk, env, args[0]!);
  if (env.dead) {
    if (api.kind === 'test')
      problem(
        walk,
        at,
        `test "${[...frame.names, name].join(' > ')}" is declared in \`${env.dead}\`, which nothing calls: Vitest never runs it, so it is not coverage`,
        'uncalled-test',
      );
  }
  const read = readArguments(walk, env, args.slice(1), at);
  const own = resolveMode(api, read.mode);
  const mode: TestMode = frame.mode !== 'run' && own !== 'only' ? frame.mode : own;
  const allTags = withTags(frame.tags, read.tags);
  const names = [...frame.names, name];
  const reported = frame.reported || read.reported;
  if (api.kind === 'test') {
    if (env.dead) return true;
    const test: CollectedTest = {
      file: walk.file,
      line: at.line,
      column: at.column,
      name,
      suites: frame.names,
      fullName: names.join(' > '),
      tags: allTags,
      mode: api.mode === 'todo' || read.mode === 'todo' ? 'todo' : mode,
      each: frame.each || api.each,
      conditional: frame.conditional || api.conditional,
    };
    if (reported) test.reported = true;
    context.tests.push(test);
    return true; // a test's body declares no tests
  }
  const inner: SuiteFrame = {
    names,
    tags: allTags,
    mode,
    each: frame.each || api.each,
    conditional: frame.conditional || api.conditional,
    reported,
  };
  if (read.body) visitBody(walk, read.body, inner, env);
  return true;
}

/**
 * Where V8, and so Vitest's `location`, places a call: at the callee's name for `test(…)`, at the
 * property for `test.skip(…)`, and at the opening parenthesis for a call of a call
 * (`test.each(rows)(…)`, ``test.each`…`(…)``), which may be lines below the start of the expression.
 */
function callPosition(module: SourceModule, call: AstNode): number {
  const callee = unwrap(call.callee as AstNode);
  if (callee.type === 'MemberExpression' && !callee.computed) return (callee.property as AstNode).start;
  if (callee.type === 'CallExpression' || callee.type === 'TaggedTemplateExpression') {
    const paren = module.text.indexOf('(', callee.end);
    return paren === -1 ? call.start : paren;
  }
  return call.start;
}

function resolveMode(api: DeclaringApi, optionMode: TestMode | undefined): TestMode {
  if (api.mode !== 'run') return api.mode;
  return optionMode ?? 'run';
}

/** Walks a suite's callback, or the function it names. */
function visitBody(walk: FileWalk, body: AstNode, frame: SuiteFrame, env: Env): void {
  const node = unwrap(body);
  if (isFunction(node)) {
    enterFunction(walk, node, frame, env, undefined);
    return;
  }
  const target = calledFunction(walk, node, env);
  if (target && !env.following.has(target.fn)) {
    walk.called.add(target.fn);
    enterFunction(walk, target.fn, frame, { ...env, module: target.module, scope: target.scope }, undefined);
  }
}

/** Reads `(options?, fn?)` or `(fn, timeout?)` after the name. */
function readArguments(
  walk: FileWalk,
  env: Env,
  rest: AstNode[],
  at: { line: number; column: number },
): { tags: string[]; mode: TestMode | undefined; body: AstNode | undefined; reported: boolean } {
  const { context } = walk;
  const { module, scope } = env;
  let body: AstNode | undefined;
  let tags: string[] = [];
  let mode: TestMode | undefined;
  let reported = false;
  const report = (message: string, kind: CollectionProblem['kind'] = 'unresolved-tags') => {
    reported = true;
    problem(walk, at, message, kind);
  };
  rest.forEach((arg, index) => {
    const node = unwrap(arg);
    if (isFunction(node)) {
      body = node;
      return;
    }
    const value = context.evaluator.evaluate(node, module, scope);
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
      report(`cannot resolve the options of this test: ${explain(walk, value)}`);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    if (body) {
      // Vitest 4 removed `test(name, fn, { … })`: it throws when the file loads.
      report(
        'options after the test function (`test(name, fn, { … })`) were removed in Vitest 4: Vitest fails this file when it loads it; pass them second',
        'invalid-api',
      );
      return;
    }
    const options = value as Record<string, unknown>;
    const read = readTags(walk, options.tags, at);
    tags = read.tags;
    if (read.reported) reported = true;
    for (const flag of ['skip', 'only', 'todo'] as const) if (options[flag] === true) mode = flag;
  });
  return { tags, mode, body, reported };
}

function readTags(
  walk: FileWalk,
  value: unknown,
  at: { line: number; column: number },
): { tags: string[]; reported: boolean } {
  if (value === undefined) return { tags: [], reported: false };
  if (typeof value === 'string') return { tags: [value], reported: false };
  if (value instanceof Unresolved) {
    problem(walk, at, `cannot resolve the tags of this test: ${explain(walk, value)}`);
    return { tags: [], reported: true };
  }
  if (!Array.isArray(value)) {
    problem(walk, at, 'tags must be a string or an array of strings');
    return { tags: [], reported: true };
  }
  const tags: string[] = [];
  let reported = false;
  for (const item of value as unknown[]) {
    if (typeof item === 'string') tags.push(item);
    else {
      reported = true;
      if (item instanceof Unresolved)
        problem(walk, at, `cannot resolve a tag of this test: ${explain(walk, item)}`);
      else problem(walk, at, `a tag is not a string: ${JSON.stringify(item) ?? typeof item}`);
    }
  }
  return { tags, reported };
}

function nameOfTest(walk: FileWalk, env: Env, arg: AstNode): string {
  const node = unwrap(arg);
  const { module } = env;
  if (node.type === 'Literal') return String(node.value);
  if (node.type === 'TemplateLiteral') {
    // Resolved when every part is known (a loop over a constant array); else kept as written: the
    // name of a looped test is its template.
    const value = walk.context.evaluator.evaluate(node, module, env.scope);
    return typeof value === 'string' ? value : module.text.slice(node.start + 1, node.end - 1);
  }
  const value = walk.context.evaluator.evaluate(node, module, env.scope);
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  // A function as name: Vitest uses its name.
  if (node.type === 'Identifier' && value === OPAQUE_FUNCTION) return nameOf(node);
  return module.text.slice(node.start, node.end);
}

function explain(walk: FileWalk, value: Unresolved): string {
  const where =
    value.file === walk.module.path
      ? `line ${value.line}`
      : `${toRelative(walk.context.root, value.file)}:${value.line}`;
  return `${value.reason} (${where})`;
}

function problem(
  walk: FileWalk,
  at: { line: number; column: number },
  message: string,
  kind: CollectionProblem['kind'] = 'unresolved-tags',
): void {
  walk.context.problems.push({ kind, file: walk.file, line: at.line, column: at.column, message });
}

/**
 * The suite's tags (already unique) followed by the test's own that are new. Called once per test:
 * most tests add one tag or none, so this avoids building a set for each.
 */
function withTags(inherited: string[], own: readonly string[]): string[] {
  if (own.length === 0) return inherited;
  const tags = [...inherited];
  for (const tag of own) if (!tags.includes(tag)) tags.push(tag);
  return tags;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
