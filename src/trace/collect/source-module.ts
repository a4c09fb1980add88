// A parsed source file as the collector sees it: its syntax tree (from oxc, without type checking),
// its module-level bindings, imports and exports, and a way to turn offsets into lines. Modules are
// parsed once per collection and shared, since test files import the same fixtures and constants.
import { readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseSync, rawTransferSupported, type ParserOptions } from 'oxc-parser';
import { UsageError } from '../../errors.ts';
import { hollowTestBodies } from './test-bodies.ts';

/** A syntax tree node, typed loosely: the collector reads only a few fields of a few node types. */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  [field: string]: unknown;
}

/** What a module-level name is bound to. */
export type Binding =
  | { kind: 'import'; source: string; imported: string; node: AstNode }
  | {
      kind: 'variable';
      declaration: string;
      init: AstNode | undefined;
      node: AstNode;
    }
  | { kind: 'function'; node: AstNode }
  | { kind: 'other'; node: AstNode };

/** An export of a module: a local name, or a name re-exported from another module. */
export type ExportEntry = { local: string } | { source: string; imported: string };

/** One parsed file. */
export interface SourceModule {
  /** Absolute path. */
  path: string;
  text: string;
  program: AstNode;
  bindings: Map<string, Binding>;
  exports: Map<string, ExportEntry>;
  /** Sources of `export * from '…'`. */
  starExports: string[];
  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number };
  /**
   * Offsets of the test bodies left out of `program` (parsed with `hollowTests`): each is an empty
   * block there. `text` is always the whole file.
   */
  hollowBodies?: ReadonlySet<number>;
}

/** A Vite `resolve.alias` entry: `find` is a prefix (`@` matches `@` and `@/x`) or a regular expression. */
export interface Alias {
  find: string | RegExp;
  replacement: string;
}

/** How bare specifiers resolve to local files: Vite aliases first, then tsconfig `paths`. */
export interface ImportResolution {
  aliases?: readonly Alias[];
  /** tsconfig `compilerOptions.paths`, with the directory they are relative to. */
  paths?: { base: string; patterns: Record<string, readonly string[]> };
}

/** A parsed JSON module, or the error that kept it from parsing. */
export type JsonModule = { value: unknown } | Error;

/** Parses files on demand and caches them; resolves imports between them (relative, aliased). */
export class ModuleGraph {
  private readonly modules = new Map<string, SourceModule | null>();
  private readonly resolved = new Map<string, string | undefined>();
  private readonly json = new Map<string, JsonModule>();
  private readonly resolution: ImportResolution;

  constructor(resolution: ImportResolution = {}) {
    this.resolution = resolution;
  }

  /**
   * Parses `path` (absolute); a syntax error is a UsageError naming the file and line. With
   * `keep: false` the tree is not cached (a test file nobody imports), which keeps memory, and so
   * garbage collection, small; `hollowTests` leaves its test bodies out (see parseModule).
   */
  load(path: string, options: { keep?: boolean; text?: string; hollowTests?: boolean } = {}): SourceModule {
    const cached = this.modules.get(path);
    if (cached) return cached;
    const module = parseModule(path, options.text ?? readSource(path), options);
    if (options.keep !== false) this.modules.set(path, module);
    return module;
  }

  /**
   * Loads the module an import points at (relative, or through an alias), or undefined when it is
   * a package, not found, or not code (JSON: see `loadJson`). A helper that does not parse is a
   * UsageError naming its file, line and column: Vitest cannot load the test file either.
   */
  loadImport(from: SourceModule, specifier: string): SourceModule | undefined {
    // Keyed by directory: the test files of one folder import the same helpers.
    const dir = dirname(from.path);
    const key = `${dir}\0${specifier}`;
    if (this.modules.has(key)) return this.modules.get(key) ?? undefined;
    const target = this.resolve(dir, specifier);
    let module: SourceModule | null = null;
    if (target && isCode(target)) {
      try {
        module = this.load(target);
      } catch (error) {
        if (error instanceof UsageError)
          throw new UsageError(`${error.message} (imported by ${from.path})`, { cause: error });
        throw error;
      }
    }
    this.modules.set(key, module);
    return module ?? undefined;
  }

  /** The data of a JSON module an import points at; undefined when the import is not JSON. */
  loadJson(from: SourceModule, specifier: string): JsonModule | undefined {
    const target = this.resolve(dirname(from.path), specifier.replace(/\?.*$/, ''));
    if (!target?.endsWith('.json')) return undefined;
    let data = this.json.get(target);
    if (!data) {
      try {
        data = { value: JSON.parse(readFileSync(target, 'utf8')) as unknown };
      } catch (error) {
        data = error instanceof Error ? error : new Error(String(error));
      }
      this.json.set(target, data);
    }
    return data;
  }

  /**
   * True when Vite could load `specifier` from `from`: a file (relative, absolute, aliased), a
   * Node.js built-in, a package installed in a node_modules above it, or something we cannot judge
   * (`virtual:` modules, `#` subpath imports, URLs). False means Vitest fails the file at load.
   */
  canResolve(from: SourceModule, specifier: string): boolean {
    const bare = specifier.replace(/\?.*$/, '');
    if (this.resolve(dirname(from.path), bare)) return true;
    if (isLocalSpecifier(bare) || this.aliasTarget(bare) !== undefined) return false;
    // Vitest resolves itself for the files it runs, wherever it is installed.
    if (bare === 'vitest' || bare.startsWith('vitest/') || bare.startsWith('@vitest/')) return true;
    if (
      /[:#]/.test(bare[0] === '@' ? bare.slice(1) : bare) ||
      bare.startsWith('#') ||
      builtinModules.includes(bare)
    )
      return true;
    const name = bare.startsWith('@') ? bare.split('/').slice(0, 2).join('/') : bare.split('/')[0]!;
    for (let dir = dirname(from.path); ; dir = dirname(dir)) {
      if (statSync(resolve(dir, 'node_modules', name), { throwIfNoEntry: false })) return true;
      if (dirname(dir) === dir) return false;
    }
  }

  /** Why an import is not followed, for messages: a package, or a local path that does not resolve. */
  whyNotLocal(from: SourceModule, specifier: string): string {
    const target = this.resolve(dirname(from.path), specifier);
    if (target) return `which is not code the collector reads (${target})`;
    if (specifier.startsWith('.') || specifier.startsWith('/')) return 'which does not resolve to a file';
    if (this.aliasTarget(specifier) !== undefined)
      return 'which an alias maps to a path that does not resolve to a file';
    return 'a package (or an alias neither the Vitest config nor tsconfig `paths` defines)';
  }

  /**
   * Every file `module` imports through relative specifiers, transitively: all the collection of
   * `module` can have read. Undefined when a relative import does not resolve (creating that file
   * later would change the answer without changing any file we could hash).
   */
  dependenciesOf(module: SourceModule): string[] | undefined {
    const found = new Set<string>();
    const pending: SourceModule[] = [module];
    while (pending.length) {
      const current = pending.pop()!;
      for (const specifier of importedSources(current)) {
        const target = this.resolve(dirname(current.path), specifier);
        if (!target) {
          if (isLocalSpecifier(specifier)) return undefined;
          continue; // a package: not ours to hash
        }
        if (found.has(target) || target === module.path) continue;
        found.add(target);
        let imported: SourceModule | undefined;
        try {
          imported = isCode(target) ? this.load(target) : undefined; // JSON: its text is still hashed
        } catch {
          imported = undefined;
        }
        if (imported) pending.push(imported);
      }
    }
    return [...found];
  }

  /** The file a specifier names from `dir`; asked once per directory and specifier. */
  private resolve(dir: string, specifier: string): string | undefined {
    const key = `${dir}\0${specifier}`;
    if (!this.resolved.has(key)) {
      const aliased = isLocalSpecifier(specifier) ? undefined : this.aliasTarget(specifier);
      const target =
        aliased === undefined
          ? isLocalSpecifier(specifier)
            ? resolveRelative(dir, specifier)
            : undefined
          : aliased.map((candidate) => resolveRelative(dir, candidate)).find(Boolean);
      this.resolved.set(key, target);
    }
    return this.resolved.get(key);
  }

  /** The paths a bare specifier may mean through a Vite alias or tsconfig `paths`; undefined if none matches. */
  private aliasTarget(specifier: string): string[] | undefined {
    for (const alias of this.resolution.aliases ?? []) {
      if (typeof alias.find === 'string') {
        if (specifier === alias.find || specifier.startsWith(`${alias.find}/`))
          return [alias.replacement + specifier.slice(alias.find.length)];
      } else if (alias.find.test(specifier)) return [specifier.replace(alias.find, alias.replacement)];
    }
    const paths = this.resolution.paths;
    if (!paths) return undefined;
    for (const [pattern, targets] of Object.entries(paths.patterns)) {
      const star = pattern.indexOf('*');
      const prefix = star === -1 ? pattern : pattern.slice(0, star);
      const suffix = star === -1 ? '' : pattern.slice(star + 1);
      const matches =
        star === -1
          ? specifier === pattern
          : specifier.startsWith(prefix) &&
            specifier.endsWith(suffix) &&
            specifier.length >= prefix.length + suffix.length;
      if (!matches) continue;
      const middle = star === -1 ? '' : specifier.slice(prefix.length, specifier.length - suffix.length);
      return targets.map((target) => resolve(paths.base, target.replace('*', middle)));
    }
    return undefined;
  }
}

function isLocalSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier);
}

/** Files the collector parses; anything else (JSON, CSS) is data or opaque. */
function isCode(path: string): boolean {
  return /\.[cm]?[jt]sx?$/.test(path);
}

/** The specifiers a module imports or re-exports from. */
function importedSources(module: SourceModule): string[] {
  const sources = new Set<string>(module.starExports);
  for (const binding of module.bindings.values()) if (binding.kind === 'import') sources.add(binding.source);
  for (const entry of module.exports.values()) if ('source' in entry) sources.add(entry.source);
  return [...sources].filter((s) => s !== 'vitest');
}

/** A source file's text; an unreadable one is a UsageError naming it. */
export function readSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read test file ${path}`, { cause: error });
  }
}

// Raw transfer hands the tree over through shared memory instead of JSON: measured 40% faster. It
// is used for test files only (there are many, and large): its first parse creates oxc's 6 GiB
// buffer, and V8 answers that much external memory with a full garbage collection (about 30 ms).
// A warm trace parses only the Vitest config, and a config or helper is parsed once: through JSON
// they never pay for that collection.
const RAW_TRANSFER = rawTransferSupported();

const CANDIDATE_SUFFIXES = [
  '',
  '.ts',
  '.tsx',
  '.mts',
  '.js',
  '.jsx',
  '.mjs',
  '.json',
  '/index.ts',
  '/index.tsx',
  '/index.js',
];

function resolveRelative(dir: string, specifier: string): string | undefined {
  const base = resolve(dir, specifier);
  // `./x.js` in TypeScript sources usually means `./x.ts`.
  const swapped = base.replace(/\.(m?)js$/, '.$1ts');
  for (const candidate of [swapped, ...CANDIDATE_SUFFIXES.map((suffix) => base + suffix)]) {
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  return undefined;
}

/**
 * Parses one file's text; exported for tests of the collector's syntax cases. With `hollowTests`,
 * the bodies of test callbacks are left out of the tree (blanked before the eager parse), which a
 * test file's collection never reads: see test-bodies.ts.
 */
export function parseModule(
  path: string,
  text: string,
  options: { hollowTests?: boolean } = {},
): SourceModule {
  const lang = languageOf(path);
  const hollowed = options.hollowTests ? hollowTestBodies(path, text, lang) : undefined;
  const raw = RAW_TRANSFER && options.hollowTests === true;
  if (hollowed) {
    try {
      return { ...parseText(path, text, lang, hollowed.text, raw), hollowBodies: hollowed.bodies };
    } catch (error) {
      // Blanking cannot make a file that parses fail to; should it, the whole text decides.
      if (!(error instanceof UsageError)) throw error;
    }
  }
  return parseText(path, text, lang, text, raw);
}

function languageOf(path: string): 'js' | 'jsx' | 'ts' | 'tsx' {
  return /\.[cm]?jsx?$/.test(path) ? (path.endsWith('x') ? 'jsx' : 'js') : path.endsWith('x') ? 'tsx' : 'ts';
}

/** Parses `source`, the file's `text` or the same with its test bodies blanked (offsets equal). */
function parseText(
  path: string,
  text: string,
  lang: 'js' | 'jsx' | 'ts' | 'tsx',
  source: string,
  raw: boolean,
): SourceModule {
  // `experimentalRawTransfer` is read by parseSync but missing from its declared options type.
  const options: ParserOptions & { experimentalRawTransfer?: boolean } = {
    lang,
    sourceType: 'module',
    preserveParens: false,
    experimentalRawTransfer: raw,
  };
  const result = parseSync(path, source, options);
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const position = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low]! + 1 };
  };
  const error = result.errors.find((e) => String(e.severity) === 'Error');
  if (error) {
    const at = error.labels[0]?.start;
    const where = at === undefined ? path : `${path}:${position(at).line}:${position(at).column}`;
    throw new UsageError(`${where}: cannot parse: ${error.message}`);
  }
  const program = result.program as unknown as AstNode;
  const module: SourceModule = {
    path,
    text,
    program,
    bindings: new Map(),
    exports: new Map(),
    starExports: [],
    position,
  };
  for (const statement of program.body as AstNode[]) indexStatement(module, statement);
  return module;
}

function indexStatement(module: SourceModule, statement: AstNode): void {
  switch (statement.type) {
    case 'ImportDeclaration': {
      const source = (statement.source as AstNode).value as string;
      for (const spec of statement.specifiers as AstNode[]) {
        const local = nameOf(spec.local as AstNode);
        const imported =
          spec.type === 'ImportNamespaceSpecifier'
            ? '*'
            : spec.type === 'ImportDefaultSpecifier'
              ? 'default'
              : nameOf(spec.imported as AstNode);
        module.bindings.set(local, { kind: 'import', source, imported, node: spec });
      }
      return;
    }
    case 'ExportNamedDeclaration': {
      const declaration = statement.declaration as AstNode | null;
      if (declaration) {
        for (const name of indexDeclaration(module, declaration)) module.exports.set(name, { local: name });
      }
      const source = (statement.source as AstNode | null)?.value as string | undefined;
      for (const spec of (statement.specifiers as AstNode[] | undefined) ?? []) {
        const local = nameOf(spec.local as AstNode);
        const exported = nameOf(spec.exported as AstNode);
        module.exports.set(exported, source ? { source, imported: local } : { local });
      }
      return;
    }
    case 'ExportAllDeclaration': {
      const source = (statement.source as AstNode).value as string;
      const exported = statement.exported as AstNode | null;
      if (exported) module.exports.set(nameOf(exported), { source, imported: '*' });
      else module.starExports.push(source);
      return;
    }
    case 'ExportDefaultDeclaration': {
      const declaration = statement.declaration as AstNode;
      if (declaration.type === 'Identifier') module.exports.set('default', { local: nameOf(declaration) });
      else {
        const names = indexDeclaration(module, declaration);
        const local = names[0] ?? '*default*';
        if (!names.length)
          module.bindings.set(local, {
            kind: 'variable',
            declaration: 'const',
            init: declaration,
            node: declaration,
          });
        module.exports.set('default', { local });
      }
      return;
    }
    default:
      indexDeclaration(module, statement);
  }
}

/** Records the names a declaration binds; returns them. */
function indexDeclaration(module: SourceModule, node: AstNode): string[] {
  if (node.type === 'VariableDeclaration') {
    const names: string[] = [];
    for (const declarator of node.declarations as AstNode[]) {
      const id = declarator.id as AstNode;
      if (id.type === 'Identifier') {
        const name = nameOf(id);
        module.bindings.set(name, {
          kind: 'variable',
          declaration: node.kind as string,
          init: (declarator.init as AstNode | null) ?? undefined,
          node: declarator,
        });
        names.push(name);
      } else {
        for (const name of patternNames(id)) {
          module.bindings.set(name, { kind: 'other', node: declarator });
          names.push(name);
        }
      }
    }
    return names;
  }
  if (node.type === 'TSEnumDeclaration') {
    // Evaluated as the object of its members.
    const name = nameOf(node.id as AstNode);
    module.bindings.set(name, { kind: 'variable', declaration: 'const', init: node, node });
    return [name];
  }
  if (node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') {
    const id = node.id as AstNode | null;
    if (!id) return [];
    const name = nameOf(id);
    module.bindings.set(
      name,
      node.type === 'FunctionDeclaration' ? { kind: 'function', node } : { kind: 'other', node },
    );
    return [name];
  }
  return [];
}

function patternNames(pattern: AstNode): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [nameOf(pattern)];
    case 'ObjectPattern':
      return (pattern.properties as AstNode[]).flatMap((p) =>
        patternNames((p.type === 'RestElement' ? p.argument : p.value) as AstNode),
      );
    case 'ArrayPattern':
      return (pattern.elements as (AstNode | null)[]).flatMap((e) => (e ? patternNames(e) : []));
    case 'AssignmentPattern':
      return patternNames(pattern.left as AstNode);
    case 'RestElement':
      return patternNames(pattern.argument as AstNode);
    default:
      return [];
  }
}

/** The name of an Identifier or a string-literal module export name. */
export function nameOf(node: AstNode): string {
  return node.type === 'Literal' ? String(node.value) : (node.name as string);
}

/** Removes TypeScript-only wrappers (`as`, `satisfies`, `!`, `<T>x`) and parentheses. */
export function unwrap(node: AstNode): AstNode {
  let current = node;
  while (
    current.type === 'TSAsExpression' ||
    current.type === 'TSSatisfiesExpression' ||
    current.type === 'TSNonNullExpression' ||
    current.type === 'TSTypeAssertion' ||
    current.type === 'TSInstantiationExpression' ||
    current.type === 'ParenthesizedExpression'
  )
    current = current.expression as AstNode;
  return current;
}
