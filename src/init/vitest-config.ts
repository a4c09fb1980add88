// A project's own Vitest config, as `init` adopts it: found by Vitest's file names, read for the test
// locations (`test.include`), and edited to wrap its default export in `withRequirements(…)` with one
// added import. The edit is textual, at the positions the parser gives, so every other byte of the
// user's file stays as it was; when the export is not a config object `init` can wrap (a function
// form, CommonJS), it prints the edit instead of guessing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSync } from 'oxc-parser';

/** Vitest's config names, in the order Vitest looks for them; it reads Vite's when it has none. */
export const VITEST_CONFIG_NAMES = [
  'vitest.config.ts',
  'vitest.config.mts',
  'vitest.config.cts',
  'vitest.config.js',
  'vitest.config.mjs',
  'vitest.config.cjs',
  'vite.config.ts',
  'vite.config.mts',
  'vite.config.cts',
  'vite.config.js',
  'vite.config.mjs',
  'vite.config.cjs',
] as const;

/** The reporter options the generated config passes: evidence lands where `incluster run` copies from. */
export const WITH_REQUIREMENTS_OPTIONS =
  "{\n  reporter: { outputDir: process.env.INCLUSTER_ARTIFACTS_DIR ?? 'test-results' },\n}";

const IMPORT_LINE = "import { withRequirements } from 'incluster/trace';";

/** The first Vitest config file in `root`, relative to it. */
export function findVitestConfig(root: string): string | undefined {
  return VITEST_CONFIG_NAMES.find((name) => existsSync(join(root, name)));
}

/** What `init` can do with a user's Vitest config. */
export type VitestConfigEdit =
  | { kind: 'unchanged' }
  | { kind: 'edited'; text: string }
  | { kind: 'manual'; reason: string; instructions: string };

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** Wraps the default export of `text` in withRequirements, or says why it cannot. */
export function addWithRequirements(path: string, text: string): VitestConfigEdit {
  if (/\bwithRequirements\b/.test(text)) return { kind: 'unchanged' };
  const manual = (reason: string): VitestConfigEdit => ({
    kind: 'manual',
    reason,
    instructions: `add \`${IMPORT_LINE}\` and wrap the config your file exports: \`export default withRequirements(<your config object>, { reporter: { outputDir: process.env.INCLUSTER_ARTIFACTS_DIR ?? 'test-results' } });\` (with a function config, wrap the object it returns)`,
  });
  const program = parse(path, text);
  if (!program) return manual('it does not parse as a module');
  const body = program.body as Node[];
  const exported = body.find((n) => n.type === 'ExportDefaultDeclaration');
  if (!exported) return manual('it has no `export default` (CommonJS configs are not edited)');
  const declaration = exported.declaration as Node;
  if (!isConfigObject(declaration, body))
    return manual('its default export is not a config object init can wrap');
  const imports = body.filter((n) => n.type === 'ImportDeclaration');
  const importAt = imports.length ? imports.at(-1)!.end : 0;
  const wrapped = `withRequirements(${text.slice(declaration.start, declaration.end)}, ${WITH_REQUIREMENTS_OPTIONS})`;
  const edited =
    text.slice(0, importAt) +
    (imports.length ? `\n${IMPORT_LINE}` : `${IMPORT_LINE}\n`) +
    text.slice(importAt, declaration.start) +
    wrapped +
    text.slice(declaration.end);
  return parse(path, edited) ? { kind: 'edited', text: edited } : manual('the edited file would not parse');
}

/** `test.include` of the config `text` exports, when it is a literal list of strings. */
export function vitestInclude(path: string, text: string): string[] | undefined {
  const program = parse(path, text);
  if (!program) return undefined;
  const body = program.body as Node[];
  const exported = body.find((n) => n.type === 'ExportDefaultDeclaration');
  const object = exported ? configObject(exported.declaration as Node, body) : undefined;
  const test = object ? property(object, 'test') : undefined;
  const include = test?.type === 'ObjectExpression' ? property(test, 'include') : undefined;
  if (include?.type !== 'ArrayExpression') return undefined;
  const globs = (include.elements as (Node | null)[]).map((e) =>
    e?.type === 'Literal' && typeof e.value === 'string' ? e.value : undefined,
  );
  return globs.length && globs.every((g) => g !== undefined) ? globs : undefined;
}

/** An object literal, `defineConfig({…})`, `mergeConfig(…)`, or a const bound to one of them. */
function isConfigObject(node: Node, body: Node[]): boolean {
  if (node.type === 'ObjectExpression') return true;
  if (node.type === 'CallExpression') {
    const callee = node.callee as Node;
    const name = callee.type === 'Identifier' ? (callee.name as string) : '';
    const [first] = node.arguments as Node[];
    if (name === 'mergeConfig') return true;
    return (name === 'defineConfig' || name === 'defineProject') && first?.type === 'ObjectExpression';
  }
  if (node.type === 'Identifier') {
    const init = declaredInit(node.name as string, body);
    return init !== undefined && init.type !== 'Identifier' && isConfigObject(init, body);
  }
  if (node.type === 'TSSatisfiesExpression' || node.type === 'TSAsExpression')
    return isConfigObject(node.expression as Node, body);
  return false;
}

/** The object literal the default export is, or is built from. */
function configObject(node: Node, body: Node[]): Node | undefined {
  if (node.type === 'ObjectExpression') return node;
  if (node.type === 'CallExpression') {
    const [first] = node.arguments as Node[];
    return first ? configObject(first, body) : undefined;
  }
  if (node.type === 'Identifier') {
    const init = declaredInit(node.name as string, body);
    return init && init.type !== 'Identifier' ? configObject(init, body) : undefined;
  }
  if (node.type === 'TSSatisfiesExpression' || node.type === 'TSAsExpression')
    return configObject(node.expression as Node, body);
  return undefined;
}

function declaredInit(name: string, body: Node[]): Node | undefined {
  for (const statement of body) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations as Node[]) {
      const id = declarator.id as Node;
      if (id.type === 'Identifier' && id.name === name) return (declarator.init as Node | null) ?? undefined;
    }
  }
  return undefined;
}

function property(object: Node, name: string): Node | undefined {
  for (const prop of object.properties as Node[]) {
    if (prop.type !== 'Property') continue;
    const key = prop.key as Node;
    const keyName = key.type === 'Identifier' ? key.name : key.type === 'Literal' ? key.value : undefined;
    if (keyName === name && !prop.computed) return prop.value as Node;
  }
  return undefined;
}

function parse(path: string, text: string): { body: unknown[] } | undefined {
  const lang = /\.[cm]?ts$/.test(path) ? 'ts' : 'js';
  const result = parseSync(path, text, { lang, sourceType: 'module' });
  if (result.errors.some((e) => String(e.severity) === 'Error')) return undefined;
  return result.program;
}
