// The test files Vitest would run, read from its configuration without running it: the
// `vitest.config.*` (else `vite.config.*`) of the root is parsed and evaluated statically, like a
// test file's tags, and its `root`, `test.dir`, `include`, `exclude`, `includeSource`, `projects`
// and aliases are resolved the way Vitest 5 resolves them (inline projects inherit the declaring
// config's `test` options unless `extends: false`, arrays concatenated as `mergeConfig` does).
// Nothing is imported: a part of the config that needs running code is reported at its line.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { Evaluator, OPAQUE_FUNCTION, UNHANDLED, Unresolved } from './evaluate.ts';
import { tsconfigPaths } from './tsconfig-paths.ts';
import type { Scope } from './scope.ts';
import {
  ModuleGraph,
  nameOf,
  parseModule,
  unwrap,
  type Alias,
  type AstNode,
  type ImportResolution,
  type SourceModule,
} from './source-module.ts';

/** Vitest 5's defaults (`configDefaults` in vitest/config). */
export const VITEST_DEFAULT_INCLUDE: readonly string[] = ['**/*.{test,spec}.?(c|m)[jt]s?(x)'];
export const VITEST_DEFAULT_EXCLUDE: readonly string[] = ['**/node_modules/**', '**/.git/**'];

const CONFIG_NAMES = ['vitest.config', 'vite.config'];
const CONFIG_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const CONFIG_FILES = CONFIG_NAMES.flatMap((name) => CONFIG_EXTENSIONS.map((ext) => name + ext));
const CONFIG_REGEXP = /^vite(?:st)?(?:\.[\w-]+)?\.config\./;

/** One Vitest project as far as choosing test files goes. */
export interface VitestProject {
  name: string;
  /** Absolute directory the globs are relative to (`test.dir`, else the root). */
  dir: string;
  include: string[];
  exclude: string[];
  includeSource: string[];
  /**
   * The project's `resolve.alias` / `test.alias`: its own first, then those it inherits (the
   * declaring config's, with `extends`), the order in which Vite's `mergeConfig` tries them.
   */
  aliases: Alias[];
}

/** Something in the Vitest config that cannot be known without running it. */
export interface ConfigProblem {
  /** The config file, absolute. */
  file: string;
  line: number;
  column: number;
  message: string;
}

/** The test set Vitest would run, and how it was worked out. */
export interface VitestTestSet {
  /** The root config file, absolute; undefined when there is none (Vitest's defaults apply). */
  configFile: string | undefined;
  projects: VitestProject[];
  /** Absolute paths, sorted, unique. */
  files: string[];
  /**
   * Every project's aliases and tsconfig `paths`: how imports resolve in a file no project selects
   * (a `trace.tests` override).
   */
  resolution: ImportResolution;
  /** How the imports of each file resolve: through the aliases of the first project that runs it. */
  fileResolutions: Map<string, ImportResolution>;
  problems: ConfigProblem[];
}

/** Finds Vitest's config in `root` (or takes `configFile`, as `--config`) and resolves the test files it selects. */
export function resolveVitestTestSet(
  root: string,
  configFile: string | undefined = configIn(root),
): VitestTestSet {
  const problems: ConfigProblem[] = [];
  const reader = new ConfigReader(problems);
  const config = configFile ? reader.read(configFile) : {};
  const aliases: Alias[] = [];
  const projects = resolveProjects(reader, config, root, configFile, aliases, 0);
  // Vite follows tsconfig `paths` only when asked: `resolve.tsconfigPaths` or the vite-tsconfig-paths plugin.
  const resolveOptions = isPlainObject(config.resolve) ? config.resolve : {};
  const usesPaths =
    resolveOptions.tsconfigPaths === true ||
    (configFile !== undefined && readFileSync(configFile, 'utf8').includes('vite-tsconfig-paths'));
  const paths = usesPaths ? { paths: tsconfigPaths(root) } : {};
  const fileResolutions = new Map<string, ImportResolution>();
  for (const project of projects) {
    const resolution = { aliases: project.aliases, ...paths };
    for (const file of globProject(project))
      if (!fileResolutions.has(file)) fileResolutions.set(file, resolution);
  }
  return {
    configFile,
    projects,
    files: [...fileResolutions.keys()].sort(),
    resolution: { aliases, ...paths },
    fileResolutions,
    problems,
  };
}

/** The files of one project, as Vitest globs them (`dot`, no directory expansion). */
export function globProject(project: VitestProject): string[] {
  const options = {
    cwd: project.dir,
    dot: true,
    expandDirectories: false,
    ignore: project.exclude,
    absolute: true,
  };
  const files = globSync(project.include, options);
  if (project.includeSource.length)
    for (const file of globSync(project.includeSource, options)) {
      try {
        if (readFileSync(file, 'utf8').includes('import.meta.vitest')) files.push(file);
      } catch {
        // unreadable: Vitest skips it too
      }
    }
  return files;
}

function configIn(dir: string): string | undefined {
  for (const name of CONFIG_FILES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

type Config = Record<string, unknown>;

function resolveProjects(
  reader: ConfigReader,
  config: Config,
  root: string,
  configFile: string | undefined,
  aliases: Alias[],
  depth: number,
): VitestProject[] {
  const configRoot = pathOption(config.root, root) ?? root;
  const test = objectOption(reader, config.test, configFile, 'test');
  const testRoot = pathOption(test.root, configRoot) ?? configRoot;
  // This config's own aliases: its projects inherit them as they inherit its `test` options.
  const configAliases: Alias[] = [];
  collectAliases(reader, config, test, testRoot, configAliases, configFile);
  aliases.push(...configAliases);
  const definitions = test.projects;
  if (definitions === undefined || depth > 3)
    return [projectOf(reader, test, testRoot, 'default', configFile, configAliases)];
  if (!Array.isArray(definitions)) {
    reader.problem(configFile, 'test.projects', definitions);
    return [];
  }
  const { projects: _ignored, ...inherited } = test;
  const out: VitestProject[] = [];
  definitions.forEach((definition: unknown, index) => {
    if (typeof definition === 'string') {
      for (const path of projectPaths(definition.replace('<rootDir>', testRoot), testRoot)) {
        const file = path.endsWith('/') ? configIn(path) : path;
        const dir = path.endsWith('/') ? path.slice(0, -1) : dirname(path);
        if (file && file === configFile) {
          out.push(projectOf(reader, test, testRoot, basename(dir), configFile, configAliases));
          continue;
        }
        const own = file ? reader.read(file) : {};
        out.push(
          ...resolveProjects(reader, own, dir, file, aliases, depth + 1).map((p) => ({
            ...p,
            name: p.name === 'default' ? basename(dir) : p.name,
          })),
        );
      }
      return;
    }
    if (definition instanceof Unresolved || typeof definition !== 'object' || definition === null) {
      reader.problem(configFile, `test.projects[${index}]`, definition);
      return;
    }
    const options = definition as Config;
    const own = objectOption(reader, options.test, configFile, `test.projects[${index}].test`);
    let base: Config = {};
    let inheritedAliases: Alias[] = [];
    if (options.extends instanceof Unresolved)
      reader.problem(configFile, `test.projects[${index}].extends`, options.extends);
    else if (typeof options.extends === 'string') {
      const extended = resolve(testRoot, options.extends);
      const extendedConfig = reader.read(extended);
      base = objectOption(reader, extendedConfig.test, extended, 'test');
      collectAliases(reader, extendedConfig, base, dirname(extended), inheritedAliases, extended);
    } else if (options.extends !== false) {
      base = inherited;
      inheritedAliases = configAliases;
    }
    const merged = mergeConfig(base, own);
    const projectRoot = pathOption(own.root ?? options.root, testRoot) ?? testRoot;
    const ownAliases: Alias[] = [];
    collectAliases(reader, options, own, projectRoot, ownAliases, configFile);
    aliases.push(...ownAliases, ...inheritedAliases.filter((a) => !aliases.includes(a)));
    out.push(
      projectOf(reader, { ...merged, root: undefined }, projectRoot, String(index), configFile, [
        ...ownAliases,
        ...inheritedAliases,
      ]),
    );
  });
  return out;
}

function projectPaths(definition: string, root: string): string[] {
  if (!isDynamicPattern(definition)) {
    const path = resolve(root, definition);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return [];
    return [stats.isDirectory() ? `${path}/` : path];
  }
  return globSync([definition], {
    cwd: root,
    absolute: true,
    dot: true,
    onlyFiles: false,
    expandDirectories: false,
    ignore: ['**/node_modules/**'],
  }).filter((path) => path.endsWith('/') || CONFIG_REGEXP.test(basename(path)));
}

function projectOf(
  reader: ConfigReader,
  test: Config,
  root: string,
  fallbackName: string,
  configFile: string | undefined,
  aliases: Alias[],
): VitestProject {
  const list = (key: string, fallback: readonly string[]): string[] => {
    const value = test[key];
    if (value === undefined) return [...fallback];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
    if (typeof value === 'string') return [value];
    reader.problem(configFile, `test.${key}`, value);
    return [...fallback];
  };
  const name = test.name;
  const label =
    typeof name === 'string'
      ? name
      : name && typeof name === 'object' && typeof (name as Config).label === 'string'
        ? ((name as Config).label as string)
        : fallbackName;
  return {
    name: label,
    dir: pathOption(test.dir, root) ?? root,
    include: list('include', VITEST_DEFAULT_INCLUDE),
    exclude: list('exclude', VITEST_DEFAULT_EXCLUDE),
    includeSource: list('includeSource', []),
    aliases,
  };
}

function collectAliases(
  reader: ConfigReader,
  config: Config,
  test: Config,
  root: string,
  aliases: Alias[],
  configFile: string | undefined,
): void {
  const resolveOptions = config.resolve;
  const sources: [string, unknown][] = [
    [
      'resolve.alias',
      resolveOptions && typeof resolveOptions === 'object' ? (resolveOptions as Config).alias : undefined,
    ],
    ['test.alias', test.alias],
  ];
  for (const [where, value] of sources) {
    if (value === undefined) continue;
    if (value instanceof Unresolved) {
      reader.problem(configFile, where, value);
      continue;
    }
    const entries = Array.isArray(value)
      ? (value as unknown[])
      : Object.entries(value as Config).map(([find, replacement]) => ({ find, replacement }));
    for (const entry of entries) {
      const { find, replacement } = (entry ?? {}) as { find?: unknown; replacement?: unknown };
      if ((typeof find === 'string' || find instanceof RegExp) && typeof replacement === 'string')
        aliases.push({
          find,
          replacement:
            isAbsolute(replacement) || !replacement.startsWith('.')
              ? replacement
              : resolve(root, replacement),
        });
      else if (find instanceof Unresolved || replacement instanceof Unresolved)
        reader.problem(configFile, where, find instanceof Unresolved ? find : replacement);
    }
  }
}

/** Vite's `mergeConfig`: objects merged deeply, arrays concatenated, later scalars win. */
function mergeConfig(base: Config, override: Config): Config {
  const out: Config = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const existing = out[key];
    if (Array.isArray(existing) || Array.isArray(value))
      out[key] = [...(existing === undefined ? [] : toArray(existing)), ...toArray(value)];
    else if (isPlainObject(existing) && isPlainObject(value)) out[key] = mergeConfig(existing, value);
    else out[key] = value;
  }
  return out;
}

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function isPlainObject(value: unknown): value is Config {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Unresolved) &&
    !(value instanceof RegExp)
  );
}

function objectOption(reader: ConfigReader, value: unknown, file: string | undefined, where: string): Config {
  if (value === undefined) return {};
  if (isPlainObject(value)) return value;
  reader.problem(file, where, value);
  return {};
}

function pathOption(value: unknown, base: string): string | undefined {
  return typeof value === 'string' ? resolve(base, value) : undefined;
}

/** Reads config files: parses, evaluates the default export, records what cannot be resolved. */
class ConfigReader {
  private readonly problems: ConfigProblem[];
  private readonly graph = new ModuleGraph();
  private readonly evaluator: ConfigEvaluator;
  private readonly seen = new Set<string>();

  constructor(problems: ConfigProblem[]) {
    this.problems = problems;
    this.evaluator = new ConfigEvaluator(this.graph);
  }

  read(file: string): Config {
    let module: SourceModule;
    try {
      module = parseModule(file, readFileSync(file, 'utf8'));
    } catch (error) {
      this.problems.push({ file, line: 1, column: 1, message: (error as Error).message });
      return {};
    }
    const exported = defaultExport(module);
    if (!exported) {
      this.problems.push({ file, line: 1, column: 1, message: 'the config has no default export' });
      return {};
    }
    const value = this.evaluator.evaluate(exported, module);
    if (isPlainObject(value)) return value;
    this.record(file, 'the default export', value, module.position(exported.start));
    return {};
  }

  /** Records a config value that is not what Vitest expects there, or cannot be resolved. */
  problem(file: string | undefined, where: string, value: unknown): void {
    if (!file) return;
    this.record(file, `\`${where}\``, value, undefined);
  }

  private record(
    file: string,
    where: string,
    value: unknown,
    at: { line: number; column: number } | undefined,
  ): void {
    const key = `${file}\0${where}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const position =
      value instanceof Unresolved ? { line: value.line, column: 1 } : (at ?? { line: 1, column: 1 });
    const why = value instanceof Unresolved ? value.reason : `an unexpected value (${typeof value})`;
    this.problems.push({
      file,
      ...position,
      message: `cannot resolve ${where} of ${basename(file)} statically: ${why}`,
    });
  }
}

function defaultExport(module: SourceModule): AstNode | undefined {
  for (const statement of module.program.body as AstNode[]) {
    if (statement.type === 'ExportDefaultDeclaration') return statement.declaration as AstNode;
    // CommonJS: `module.exports = …`
    if (statement.type === 'ExpressionStatement') {
      const expression = unwrap(statement.expression as AstNode);
      if (
        expression.type === 'AssignmentExpression' &&
        module.text.slice((expression.left as AstNode).start, (expression.left as AstNode).end) ===
          'module.exports'
      )
        return expression.right as AstNode;
    }
  }
  return undefined;
}

const PASS_THROUGH = new Set(['defineConfig', 'defineProject', 'defineWorkspace', 'withRequirements']);

/**
 * The few run-time functions config files use to build paths and compose configs, evaluated as
 * they would run: `defineConfig`, `mergeConfig`, incluster's `withRequirements` (which changes no
 * test selection), `path.resolve`/`join`, `fileURLToPath(new URL(…, import.meta.url))`,
 * `import.meta.dirname`, `__dirname`, and `configDefaults` from vitest/config.
 */
class ConfigEvaluator extends Evaluator {
  protected override special(node: AstNode, module: SourceModule, scope: Scope | undefined): unknown {
    const dir = dirname(module.path);
    switch (node.type) {
      case 'Identifier':
        if (node.name === '__dirname') return dir;
        if (node.name === '__filename') return module.path;
        return this.knownImport(module, nameOf(node)) ?? UNHANDLED;
      case 'MemberExpression': {
        const object = unwrap(node.object as AstNode);
        if (object.type === 'MetaProperty' && !node.computed) {
          const property = nameOf(node.property as AstNode);
          if (property === 'dirname') return dir;
          if (property === 'filename') return module.path;
          if (property === 'url') return pathToFileURL(module.path).href;
        }
        return UNHANDLED;
      }
      case 'NewExpression': {
        const callee = unwrap(node.callee as AstNode);
        if (callee.type === 'Identifier' && callee.name === 'URL') {
          const args = (node.arguments as AstNode[]).map((a) => this.evaluate(a, module, scope));
          const bad = args.find((a) => typeof a !== 'string');
          if (bad !== undefined) return bad instanceof Unresolved ? bad : UNHANDLED;
          try {
            return new URL(args[0] as string, args[1] as string | undefined).href;
          } catch {
            return UNHANDLED;
          }
        }
        return UNHANDLED;
      }
      case 'CallExpression':
        return this.call(node, module, scope);
      default:
        return UNHANDLED;
    }
  }

  private call(node: AstNode, module: SourceModule, scope: Scope | undefined): unknown {
    const name = this.calleeName(unwrap(node.callee as AstNode), module);
    if (!name) return UNHANDLED;
    const args = node.arguments as AstNode[];
    const values = () => args.map((a) => this.evaluate(a, module, scope));
    if (PASS_THROUGH.has(name)) {
      if (!args[0]) return {};
      const fn = unwrap(args[0]);
      if (fn.type === 'ArrowFunctionExpression' || fn.type === 'FunctionExpression')
        return this.returned(fn, module);
      return this.evaluate(args[0], module, scope);
    }
    if (name === 'mergeConfig') {
      const [a, b] = values();
      if (!isPlainObject(a)) return a instanceof Unresolved ? a : UNHANDLED;
      if (!isPlainObject(b)) return b instanceof Unresolved ? b : UNHANDLED;
      return mergeConfig(a, b);
    }
    if (name === 'path.resolve' || name === 'path.join' || name === 'fileURLToPath') {
      const parts = values();
      const bad = parts.find((p) => typeof p !== 'string');
      if (bad !== undefined) return bad instanceof Unresolved ? bad : UNHANDLED;
      const strings = parts as string[];
      if (name === 'fileURLToPath') return fileURLToPath(strings[0]!);
      return name === 'path.resolve' ? resolve(dirname(module.path), ...strings) : join(...strings);
    }
    if (name === 'process.cwd') return dirname(module.path);
    return UNHANDLED;
  }

  /** The body's returned expression of `defineConfig(() => ({ … }))`; parameters are unknown. */
  private returned(fn: AstNode, module: SourceModule): unknown {
    const body = fn.body as AstNode;
    if (body.type !== 'BlockStatement' && body.type !== 'FunctionBody') return this.evaluate(body, module);
    const statements = body.body as AstNode[];
    const last = statements.at(-1);
    if (statements.length === 1 && last?.type === 'ReturnStatement' && last.argument)
      return this.evaluate(last.argument as AstNode, module);
    return new Unresolved('a config function with more than a return statement', module, fn);
  }

  /** `resolve` from node:path → `path.resolve`; `mergeConfig` from vite or vitest/config. */
  private calleeName(callee: AstNode, module: SourceModule): string | undefined {
    if (callee.type === 'Identifier') {
      const binding = module.bindings.get(nameOf(callee));
      return binding?.kind === 'import' ? qualified(binding.source, binding.imported) : undefined;
    }
    if (callee.type === 'MemberExpression' && !callee.computed) {
      const object = unwrap(callee.object as AstNode);
      const property = nameOf(callee.property as AstNode);
      if (object.type !== 'Identifier') return undefined;
      if (object.name === 'process' && property === 'cwd') return 'process.cwd';
      const binding = module.bindings.get(nameOf(object));
      if (binding?.kind === 'import' && (binding.imported === '*' || binding.imported === 'default'))
        return qualified(binding.source, property);
    }
    return undefined;
  }

  private knownImport(module: SourceModule, name: string): unknown {
    const binding = module.bindings.get(name);
    if (binding?.kind !== 'import' || !/^(vitest\/config|vitest\/node|vite)$/.test(binding.source))
      return undefined;
    if (binding.imported === 'configDefaults')
      return { include: [...VITEST_DEFAULT_INCLUDE], exclude: [...VITEST_DEFAULT_EXCLUDE] };
    if (binding.imported === 'defaultInclude') return [...VITEST_DEFAULT_INCLUDE];
    if (binding.imported === 'defaultExclude') return [...VITEST_DEFAULT_EXCLUDE];
    return OPAQUE_FUNCTION;
  }
}

function qualified(source: string, imported: string): string | undefined {
  if (source === 'node:path' || source === 'path' || source === 'node:path/posix' || source === 'pathe')
    return imported === 'resolve' || imported === 'join' ? `path.${imported}` : undefined;
  if (source === 'node:url' || source === 'url')
    return imported === 'fileURLToPath' ? 'fileURLToPath' : undefined;
  if (imported === 'mergeConfig' || PASS_THROUGH.has(imported)) return imported;
  return undefined;
}

/** A config path relative to the root, for messages. */
export function configLabel(root: string, file: string): string {
  return relative(root, file).split('\\').join('/') || basename(file);
}
