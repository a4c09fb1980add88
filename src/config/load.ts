// Finds incluster.config.yaml by walking up from the working directory, parses it, and validates it.
// A bad file becomes a ConfigError naming the file, the field path, the line and what was expected.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { findConfigFile } from './find.ts';
import { configAt, resolveConfigPaths } from './resolve.ts';
import { configSchema, type Config } from './schema.ts';

export { CONFIG_FILE_NAME, findConfigFile } from './find.ts';

export interface LoadedConfig {
  config: Config;
  /** The file read, or undefined when none was found and defaults apply. */
  file: string | undefined;
  /** Directory relative paths in the config resolve against: the file's, or the start directory. */
  root: string;
}

/** Loads the config from `file`, or finds it from `cwd`; defaults apply when there is none. */
export async function loadConfig(options: { cwd: string; file?: string }): Promise<LoadedConfig> {
  const file = options.file ? resolve(options.cwd, options.file) : findConfigFile(options.cwd);
  if (!file) return { config: configAt(options.cwd), file: undefined, root: resolve(options.cwd) };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, '', 'the file cannot be read', undefined, { cause: error });
  }
  return { config: parseConfig(text, file), file, root: dirname(file) };
}

/** Parses and validates config text; `file` is used in error messages. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = yamlError.linePos?.[0]?.line;
    throw new ConfigError(file, '', `not valid YAML: ${yamlError.message.split('\n')[0]}`, line);
  }
  const data: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(data);
  if (result.success) return resolveConfigPaths(result.data, dirname(resolve(file)));
  // Every invalid field at once, in the order of the file: fixing one to learn of the next is slow.
  const problems = result.error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      // An unknown key is reported at the key itself, not at its parent.
      const linePath = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...path, issue.keys[0]] : path;
      return {
        field: formatPath(path),
        expected: describeIssue(issue, data),
        line: lineOf(doc.contents, linePath, lineCounter),
      };
    })
    .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  const [first, ...others] = problems;
  // The first is the error's own field; each other one follows on a line of its own, in the same form.
  const more = others
    .map(
      (p) => `\n${p.line === undefined ? file : `${file}:${p.line}`}: ${p.field || '(root)'}: ${p.expected}`,
    )
    .join('');
  throw new ConfigError(file, first!.field, `${first!.expected}${more}`, first!.line);
}

/** `cluster.provider`, `services.manifests[0]`. */
function formatPath(path: readonly string[]): string {
  return path.reduce(
    (out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown): string {
  const got = valueAt(data, issue.path);
  const gotText = got === undefined ? '' : `, got ${JSON.stringify(got)}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}${got === undefined ? ', but it is missing' : gotText}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${gotText}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_format':
      return `expected ${issue.message}${gotText}`;
    default:
      return `${issue.message}${gotText}`;
  }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The line of the deepest node along `path` that exists in the document. */
function lineOf(root: YamlNode | null, path: readonly string[], counter: LineCounter): number | undefined {
  let node: unknown = root;
  let line = nodeLine(node, counter);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => String((item.key as { value?: unknown } | null)?.value ?? item.key) === key,
      );
      if (!pair) break;
      line = nodeLine(pair.key, counter) ?? line;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
      line = nodeLine(node, counter) ?? line;
    } else {
      break;
    }
  }
  return line;
}

function nodeLine(node: unknown, counter: LineCounter): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? counter.linePos(range[0]).line : undefined;
}
