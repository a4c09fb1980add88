// A test file is parsed without its test bodies (the collector never reads them): what it
// collects must be exactly what the whole tree gives, including positions after left-out text, a
// body that only looked like a test's, and a syntax error inside a test body.
import { describe, expect, test } from 'vitest';
import { collectTests } from '../../../src/trace/collect/collect.ts';
import { parseModule, type AstNode } from '../../../src/trace/collect/source-module.ts';
import { UsageError } from '../../../src/errors.ts';
import { makeProject } from './temp-project.ts';

const FILE = `import { describe, expect, test } from 'vitest';
import { it as check } from './fixtures.ts';

describe('suite', { tags: ['001-FR-001'] }, () => {
  test('first', () => {
    const text = 'ünïcödé } { \`\${1}\`';
    expect(text).toMatch(/[}]/);
  });
  check('second', { tags: ['001-FR-002'] }, async ({ value }) => {
    expect(value).toBe(1); // } a brace in a comment
  });
  test.each([1, 2])('row %i', (n) => {
    expect(n).toBeGreaterThan(0);
  });
});
test('last', function () {
  expect(1).toBe(1);
});
`;

const FIXTURES =
  "import { test } from 'vitest';\nexport const it = test.extend<{ value: number }>({ value: 1 });\n";

function bodyOf(call: AstNode): AstNode {
  const fn = (call.arguments as AstNode[]).at(-1)!;
  return fn.body as AstNode;
}

describe('test bodies are left out of the parse', { tags: ['001-FR-032'] }, () => {
  test('the tree has empty test bodies, suite bodies whole, and the text stays the file', () => {
    const module = parseModule('/t/a.test.ts', FILE, { hollowTests: true });
    expect(module.text).toBe(FILE);
    expect(module.hollowBodies?.size).toBe(4);
    const statements = module.program.body as AstNode[];
    const suite = statements[2]!.expression as AstNode satisfies AstNode;
    const inside = bodyOf(suite).body as AstNode[];
    expect(inside).toHaveLength(3);
    for (const statement of inside) expect(bodyOf(statement.expression as AstNode).body).toEqual([]);
    expect(bodyOf(statements[3]!.expression as AstNode).body).toEqual([]);
    expect(module.position(FILE.indexOf("test('last'"))).toEqual({ line: 16, column: 1 });
  });

  test('what is collected is what the whole tree gives: names, tags, lines and columns', async () => {
    const root = await makeProject({ 'test/a.test.ts': FILE, 'test/fixtures.ts': FIXTURES });
    const { tests, problems } = collectTests({ root });
    expect(problems).toEqual([]);
    expect(tests.map((t) => [t.fullName, t.tags, t.line, t.column])).toEqual([
      ['suite > first', ['001-FR-001'], 5, 3],
      ['suite > second', ['001-FR-001', '001-FR-002'], 9, 3],
      ['suite > row %i', ['001-FR-001'], 12, 20],
      ['last', [], 16, 1],
    ]);
  });

  test('a body left out because its call looked like a test is read from the whole file when the walk needs it', async () => {
    const root = await makeProject({
      'test/a.test.ts': `import { describe, test } from 'vitest';
// A local helper named like Vitest's \`it\`: its callback declares a suite.
function it(name: string, body: () => void) {
  describe(name, body);
}
it('group', () => {
  test('inner', { tags: ['001-FR-003'] }, () => {});
});
`,
    });
    const { tests, problems } = collectTests({ root });
    expect(problems).toEqual([]);
    expect(tests.map((t) => [t.fullName, t.tags, t.line])).toEqual([['group > inner', ['001-FR-003'], 7]]);
  });

  test(
    'a syntax error inside a test body is still a parse error at its line and column',
    { tags: ['001-FR-064'] },
    async () => {
      const root = await makeProject({
        'test/broken.test.ts': "import { test } from 'vitest';\n\ntest('x', () => {\n  const = 1;\n});\n",
      });
      expect(() => collectTests({ root })).toThrow(UsageError);
      expect(() => collectTests({ root })).toThrow(/broken\.test\.ts:4:\d+: cannot parse/);
    },
  );
});
