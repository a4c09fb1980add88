// tsconfig `compilerOptions.paths` as TypeScript (and Vite's `resolve.tsconfigPaths`) reads them:
// through `extends` (a relative file, or a package's config, also a list of them), the extending
// file's options overriding the extended one's; `paths` relative to the `baseUrl` in force, else to
// the directory of the file that defines them. A shared base config is how monorepos write them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ImportResolution } from './source-module.ts';

/** What a tsconfig file and those it extends say about `paths`. */
interface PathOptions {
  /** `baseUrl`, absolute. */
  baseUrl?: string;
  /** `paths`, with the directory of the file that defines them. */
  paths?: { patterns: Record<string, string[]>; dir: string };
}

// Deeper chains are a cycle or a mistake: what was read so far is used.
const MAX_EXTENDS = 16;

/** The root's tsconfig.json `paths`, or undefined when it (or any config it extends) defines none. */
export function tsconfigPaths(root: string): ImportResolution['paths'] {
  const options = readOptions(join(root, 'tsconfig.json'), 0);
  if (!options?.paths) return undefined;
  return { base: options.baseUrl ?? options.paths.dir, patterns: options.paths.patterns };
}

function readOptions(file: string, depth: number): PathOptions | undefined {
  let data: unknown;
  try {
    data = parseJsonc(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isPlainObject(data)) return undefined;
  const dir = dirname(file);
  const options: PathOptions = {};
  const extended = typeof data.extends === 'string' ? [data.extends] : data.extends;
  if (Array.isArray(extended) && depth < MAX_EXTENDS)
    for (const specifier of extended) {
      const target = typeof specifier === 'string' ? extendedFile(dir, specifier) : undefined;
      const inherited = target ? readOptions(target, depth + 1) : undefined;
      // Later entries of a list override earlier ones, as TypeScript merges them.
      if (inherited?.baseUrl) options.baseUrl = inherited.baseUrl;
      if (inherited?.paths) options.paths = inherited.paths;
    }
  const own = isPlainObject(data.compilerOptions) ? data.compilerOptions : {};
  if (typeof own.baseUrl === 'string') options.baseUrl = resolve(dir, own.baseUrl);
  if (isPlainObject(own.paths)) {
    const patterns: Record<string, string[]> = {};
    for (const [pattern, targets] of Object.entries(own.paths))
      if (Array.isArray(targets))
        patterns[pattern] = targets.filter((t): t is string => typeof t === 'string');
    options.paths = { patterns, dir };
  }
  return options;
}

/** The file an `extends` names: a path (`.json` optional) or a package's config, from `dir`. */
function extendedFile(dir: string, specifier: string): string | undefined {
  if (specifier.startsWith('.') || isAbsolute(specifier)) {
    const file = resolve(dir, specifier);
    return file.endsWith('.json') ? file : `${file}.json`;
  }
  const require = createRequire(join(dir, 'tsconfig.json'));
  for (const candidate of [specifier, `${specifier}.json`, `${specifier}/tsconfig.json`]) {
    try {
      return require.resolve(candidate);
    } catch {
      // not this form: try the next
    }
  }
  return undefined;
}

/** JSON with comments and trailing commas, as tsconfig files are written. */
function parseJsonc(text: string): unknown {
  const stripped = text.replace(
    /("(?:\\.|[^"\\])*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
    (_m, string: string | undefined) => string ?? '',
  );
  return JSON.parse(stripped.replace(/,(\s*[}\]])/g, '$1'));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
