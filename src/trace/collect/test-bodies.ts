// Finds the bodies of a test file's test callbacks, so the file can be parsed without them. The
// collector never reads a test's body (a test declares no tests), but oxc's eager deserialization
// builds every node of it, and with real tests most nodes are in their bodies: building them and
// collecting their garbage was most of a cold trace. oxc's lazy tree (raw transfer, deserialized
// on access) is read here only along the statements that declare tests, which is cheap; the
// bodies it finds are then blanked with spaces, offsets unchanged, and the file is parsed
// eagerly without them.
//
// Which calls are tests is decided here by name only (`test`, `it`, or what a file imports as
// them); the collector resolves them properly afterwards. A body hollowed by mistake (a helper
// named `it`, say) is never silently lost: the collector notices when it would walk one and
// parses the file again in full (see HollowBodyRead).
import { parseSync, rawTransferSupported, type ParserOptions } from 'oxc-parser';

/** A node of oxc's lazy tree: its own shape (IdentifierReference, FunctionBody, …), not ESTree. */
interface LazyNode {
  type: string;
  start: number;
  end: number;
  [field: string]: unknown;
}

/** A test file's text with its test bodies blanked, and where those bodies start. */
export interface HollowedText {
  text: string;
  /** Offsets of the `{` of each blanked body. */
  bodies: Set<number>;
}

// The names Vitest's test function is imported as, and reached by without an import (globals).
const TEST_EXPORTS = new Set(['test', 'it']);
// A member that turns the test function into the suite one (`test.describe(…)`): its body is walked.
const SUITE_MEMBERS = new Set(['describe', 'suite']);

// Lazy parsing is raw transfer read on access: without raw transfer, test files are parsed whole.
const LAZY = rawTransferSupported();

/**
 * `text` with the bodies of its test callbacks blanked, or undefined when nothing was blanked or
 * the file does not parse (the eager parse then reports the error, as for any file).
 */
export function hollowTestBodies(
  path: string,
  text: string,
  lang: NonNullable<ParserOptions['lang']>,
): HollowedText | undefined {
  if (!LAZY) return undefined;
  // `experimentalLazy` is read by parseSync but missing from its declared options type.
  const options: ParserOptions & { experimentalLazy: boolean } = {
    lang,
    sourceType: 'module',
    experimentalLazy: true,
  };
  const result = parseSync(path, text, options);
  try {
    if (result.errors.length) return undefined;
    const program = result.program as unknown as LazyNode;
    const statements = program.body as LazyNode[];
    const bodies: LazyNode[] = [];
    scanStatements(statements, testNames(statements), bodies);
    return bodies.length ? blank(text, bodies) : undefined;
  } finally {
    (result as { dispose?: () => void }).dispose?.();
  }
}

/** `test`, `it`, and the local names of anything imported as `test` or `it` (`import { it } from './fixtures'`). */
function testNames(statements: readonly LazyNode[]): Set<string> {
  const names = new Set(TEST_EXPORTS);
  for (const statement of statements) {
    if (statement.type !== 'ImportDeclaration') continue;
    for (const specifier of (statement.specifiers as LazyNode[] | null) ?? []) {
      const imported = specifier.imported as LazyNode | undefined;
      const importedName = imported ? ((imported.name ?? imported.value) as string) : undefined;
      if (specifier.type === 'ImportSpecifier' && importedName && TEST_EXPORTS.has(importedName))
        names.add((specifier.local as LazyNode).name as string);
    }
  }
  return names;
}

/**
 * Records the test bodies of calls among `statements`, descending into the callbacks of other
 * calls (`describe(…, () => {…})`) and into blocks and loops. Anything else is left whole: a body
 * not found here is only parsed in full, never wrong.
 */
function scanStatements(statements: readonly LazyNode[], names: Set<string>, bodies: LazyNode[]): void {
  for (const statement of statements) scanStatement(statement, names, bodies);
}

function scanStatement(statement: LazyNode | null, names: Set<string>, bodies: LazyNode[]): void {
  if (!statement) return;
  switch (statement.type) {
    case 'ExpressionStatement': {
      const expression = statement.expression as LazyNode;
      if (expression.type === 'CallExpression') scanCall(expression, names, bodies);
      return;
    }
    case 'BlockStatement':
      scanStatements(statement.body as LazyNode[], names, bodies);
      return;
    case 'ForOfStatement':
    case 'ForInStatement':
    case 'ForStatement':
      scanStatement(statement.body as LazyNode, names, bodies);
      return;
    case 'IfStatement':
      scanStatement(statement.consequent as LazyNode, names, bodies);
      scanStatement(statement.alternate as LazyNode | null, names, bodies);
      return;
    default:
  }
}

function scanCall(call: LazyNode, names: Set<string>, bodies: LazyNode[]): void {
  const args = call.arguments as LazyNode[];
  // The callback is the last argument, or the one before a timeout (`test(name, fn, 1000)`):
  // reading only those leaves the names and options of every test unbuilt.
  const callback = blockBody(args[args.length - 1]) ?? blockBody(args[args.length - 2]);
  if (!callback) return;
  if (callsTest(call.callee as LazyNode, names)) bodies.push(callback);
  else scanStatements(callback.body as LazyNode[], names, bodies);
}

/** The block of a function expression; undefined for anything else or an arrow's expression body. */
function blockBody(node: LazyNode | undefined): LazyNode | undefined {
  if (node?.type !== 'ArrowFunctionExpression' && node?.type !== 'FunctionExpression') return undefined;
  const body = node.body as LazyNode;
  // An arrow's expression body (`() => expect(x)`) cannot be blanked and stay an expression.
  return body.type === 'FunctionBody' ? body : undefined;
}

/**
 * True when a callee is a test function by name: `test(…)`, `it.skip(…)`, `test.each(rows)(…)`,
 * ``test.for`…`(…)``; false for the suite (`test.describe`) and anything else.
 */
function callsTest(callee: LazyNode, names: Set<string>): boolean {
  let node = callee;
  for (let depth = 0; depth < 16; depth += 1) {
    switch (node.type) {
      case 'IdentifierReference':
        return names.has(node.name as string);
      case 'StaticMemberExpression':
        if (SUITE_MEMBERS.has((node.property as LazyNode).name as string)) return false;
        node = node.object as LazyNode;
        break;
      case 'CallExpression':
        node = node.callee as LazyNode;
        break;
      case 'TaggedTemplateExpression':
        node = node.tag as LazyNode;
        break;
      default:
        return false;
    }
  }
  return false;
}

/** The text with each body's inside replaced by spaces: same length, so every offset still holds. */
function blank(text: string, bodies: readonly LazyNode[]): HollowedText {
  const parts: string[] = [];
  const starts = new Set<number>();
  let last = 0;
  for (const body of [...bodies].sort((a, b) => a.start - b.start)) {
    const open = body.start;
    const close = body.end - 1;
    parts.push(text.slice(last, open + 1), ' '.repeat(close - open - 1));
    last = close;
    starts.add(open);
  }
  parts.push(text.slice(last));
  return { text: parts.join(''), bodies: starts };
}
