// The corpus: edge cases of real suites, each a small project. What Vitest itself collects from a
// case is the expected answer; `expect` only pins what the case is there to show.

/** One case: its files, and what it must show beyond agreeing with Vitest. */
export interface CorpusCase {
  name: string;
  /** The requirements of specs/001-testing-infra the case verifies. */
  tags: string[];
  files: Record<string, string>;
  expect?: {
    /** Problem kinds the trace must report (each at least once). */
    problems?: string[];
    /** Problem kinds the trace must not report. */
    noProblems?: string[];
    gate?: 'passed' | 'failed';
    /** The trace stops with a usage error matching this (a file that does not parse). */
    throws?: RegExp;
    /** Requirement IDs the registry must hold, in order. */
    requirements?: string[];
    /** With `evidence`: the requirements the gate must judge failed. */
    failed?: string[];
  };
  /** Files passed to `--require-passing`. */
  evidence?: string[];
}

/** A spec with requirements 001-FR-001 to 001-FR-006. */
export const SPEC = [
  '# Spec',
  '',
  ...[1, 2, 3, 4, 5, 6].map((n) => `- **001-FR-00${n}** Requirement ${n}.`),
  '',
].join('\n');

const base = (files: Record<string, string>): Record<string, string> => ({
  'specs/001-corpus/spec.md': SPEC,
  ...files,
});

const ALL = "import { describe, test, it } from 'vitest';\n";

export const CORPUS: CorpusCase[] = [
  {
    name: 'describe inheritance and file-level tags',
    tags: ['001-FR-030'],
    files: base({
      'test/a.test.ts': `// @module-tag 001-FR-006
${ALL}
describe('outer', { tags: ['001-FR-001'] }, () => {
  test('inherits', () => {});
  describe('inner', { tags: '001-FR-002' }, () => {
    it('both', { tags: ['001-FR-003'] }, () => {});
  });
});
test('top', { tags: ['001-FR-004', '001-FR-005'] }, () => {});
`,
    }),
    expect: { gate: 'passed' },
  },
  {
    name: 'each and for tables',
    tags: ['001-FR-030'],
    files: base({
      'test/each.test.ts': `${ALL}
test.each([1, 2])('row %i', { tags: ['001-FR-001'] }, (n) => {});
test.each\`
  a    | b
  \${1} | \${2}
\`('template $a', { tags: ['001-FR-002'] }, () => {});
test.for([[1, 2]])('for %i', { tags: ['001-FR-003'] }, () => {});
describe.each(['x', 'y'])('suite %s', { tags: ['001-FR-004'] }, () => {
  test('inside', () => {});
});
describe.for([1])('for suite %i', { tags: ['001-FR-005'] }, () => {
  test('inside', { tags: ['001-FR-006'] }, () => {});
});
`,
    }),
    expect: { gate: 'passed' },
  },
  {
    name: 'modifiers',
    tags: ['001-FR-030', '001-FR-063'],
    files: base({
      'test/modes.test.ts': `${ALL}
test.skip('skipped', { tags: ['001-FR-001'] }, () => {});
test.todo('todo', { tags: ['001-FR-002'] });
test.concurrent('concurrent', { tags: ['001-FR-002'] }, () => {});
test.fails('fails', { tags: ['001-FR-003'] }, () => { throw new Error('x'); });
test.skipIf(true)('skipIf', { tags: ['001-FR-004'] }, () => {});
test.runIf(false)('runIf', { tags: ['001-FR-005'] }, () => {});
test('skip option', { tags: ['001-FR-006'], skip: true }, () => {});
describe.skip('skipped suite', { tags: ['001-FR-006'] }, () => {
  test.concurrent('in it', () => {});
});
describe.shuffle('shuffled', { tags: ['001-FR-001'] }, () => {
  test('a', () => {});
});
`,
    }),
    expect: { gate: 'passed' },
  },
  {
    name: 'constants, spreads, members, templates, enums and JSON',
    tags: ['001-FR-064'],
    files: base({
      'test/ids.ts': `export const A = '001-FR-001';
export const PAIR = ['001-FR-002', '001-FR-003'] as const;
export const OPTIONS = { tags: ['001-FR-004'] };
export enum Req { Five = '001-FR-005' }
`,
      'test/reexport.ts': "export { PAIR as BOTH } from './ids.ts';\nexport * from './ids.ts';\n",
      'test/ids.json': '{ "six": "001-FR-006" }\n',
      'test/c.test.ts': `${ALL}import { A, OPTIONS, Req } from './ids.ts';
import { BOTH } from './reexport.ts';
import ids from './ids.json' with { type: 'json' };
const LOCAL = Object.freeze({ one: A });
const N = '00';
test('member', { tags: [LOCAL.one] }, () => {});
test('spread', { tags: [...BOTH] }, () => {});
test('options constant', OPTIONS, () => {});
test('enum', { tags: [Req.Five] }, () => {});
test('json', { tags: [ids.six] }, () => {});
test('template', { tags: [\`001-FR-\${N}1\`] }, () => {});
`,
    }),
    expect: { gate: 'passed', noProblems: ['unresolved-tags'] },
  },
  {
    name: 'lexical scope: shadowing constants and parameters',
    tags: ['001-FR-062'],
    files: base({
      'test/scope.test.ts': `${ALL}
const ID = '001-FR-001';
describe('shadowed by a suite-local const', () => {
  const ID = '001-FR-002';
  test('uses the local one', { tags: [ID] }, () => {});
});
function cases(ID: string) {
  test('from a parameter', { tags: [ID] }, () => {});
}
describe('helper called with an argument', { tags: ['001-FR-003'] }, () => {
  cases('001-FR-004');
});
test('module level', { tags: [ID] }, () => {});
`,
    }),
    expect: { gate: 'failed', noProblems: ['unresolved-tags'] },
  },
  {
    name: 'tests in a function nothing calls',
    tags: ['001-FR-062'],
    files: base({
      'test/dead.test.ts': `${ALL}
function neverCalled() {
  test('dead', { tags: ['001-FR-002'] }, () => {});
}
export function exportedButUncalled() {
  test('also dead', { tags: ['001-FR-003'] }, () => {});
}
test('alive', { tags: ['001-FR-001'] }, () => {});
`,
    }),
    expect: { problems: ['uncalled-test'], gate: 'failed' },
  },
  {
    name: 'run-time tags are reported at their line',
    tags: ['001-FR-031', '001-FR-064'],
    files: base({
      'test/runtime.test.ts': `${ALL}
let mutable = '001-FR-001';
const computed = () => '001-FR-002';
test('let', { tags: [mutable] }, () => {});
test('call', { tags: [computed()] }, () => {});
test('env', { tags: [process.env.CORPUS_ID ?? '001-FR-003'] }, () => {});
for (const id of ['001-FR-004']) test('loop ' + id, { tags: [id] }, () => {});
describe('suite with a run-time tag', { tags: [computed()] }, () => {
  test('inside', () => {});
});
test('resolvable sibling', { tags: ['001-FR-005'] }, () => {});
`,
    }),
    expect: { problems: ['unresolved-tags'], noProblems: ['untagged-test'], gate: 'failed' },
  },
  {
    name: 'include and exclude from vitest.config',
    tags: ['001-FR-060'],
    files: base({
      'vitest.config.ts': `import { configDefaults, defineConfig } from 'vitest/config';
export default defineConfig({
  test: { include: ['tests/**/*.check.ts'], exclude: [...configDefaults.exclude, 'tests/legacy/**'] },
});
`,
      'tests/run.check.ts': `${ALL}test('runs', { tags: ['001-FR-001'] }, () => {});\ntest('untagged and run', () => {});\n`,
      'tests/legacy/old.check.ts': `${ALL}test('excluded', { tags: ['001-FR-002'] }, () => {});\n`,
      'test/not-included.test.ts': `${ALL}test('never run', { tags: ['001-FR-003'] }, () => {});\n`,
    }),
    expect: { problems: ['untagged-test'], gate: 'failed' },
  },
  {
    name: "no config: Vitest's default include finds tests/",
    tags: ['001-FR-060'],
    files: base({
      'tests/x.spec.ts': `${ALL}test('found', { tags: ['001-FR-001'] }, () => {});\ntest('typo', { tags: ['001-FR-099'] }, () => {});\n`,
      'src/y.test.mts': `${ALL}test('beside the source', () => {});\n`,
      'tests/z.test.js': `import { test } from 'vitest';\ntest('plain js', { tags: ['001-FR-002'] }, () => {});\n`,
    }),
    expect: { problems: ['unknown-id', 'untagged-test'] },
  },
  {
    name: 'projects: inline with their own include, and a project directory',
    tags: ['001-FR-060'],
    files: base({
      'vitest.config.ts': `import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';
const ROOT = import.meta.dirname;
export default defineConfig({
  test: {
    strictTags: false,
    projects: [
      { test: { name: 'unit', include: ['unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'slow', include: [resolve(ROOT, 'slow') + '/**/*.test.ts'] } },
      'packages/*',
    ],
  },
});
`,
      'unit/u.test.ts': `${ALL}test('unit', { tags: ['001-FR-001'] }, () => {});\n`,
      'slow/s.test.ts': `${ALL}test('slow', { tags: ['001-FR-002'] }, () => {});\n`,
      'packages/p/vitest.config.ts':
        "import { defineProject } from 'vitest/config';\nexport default defineProject({ test: { include: ['checks/*.ts'], strictTags: false } });\n",
      'packages/p/checks/c.ts': `${ALL}test('package', { tags: ['001-FR-003'] }, () => {});\n`,
      'packages/q/q.test.ts': `${ALL}test('directory without a config', () => {});\n`,
      'test/outside.test.ts': `${ALL}test('no project includes me', { tags: ['001-FR-004'] }, () => {});\n`,
    }),
    expect: { problems: ['untagged-test'] },
  },
  {
    // Two projects alias the same name to different folders: each file's imports resolve through
    // its own project's aliases, and the root's apply to both.
    name: 'projects with their own resolve.alias',
    tags: ['001-FR-060', '001-FR-064'],
    files: base({
      'vitest.config.ts': `import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
export default defineConfig({
  resolve: { alias: { '@shared': fileURLToPath(new URL('./shared', import.meta.url)) } },
  test: {
    strictTags: false,
    projects: [
      {
        extends: true,
        resolve: { alias: { '@tags': fileURLToPath(new URL('./a/tags', import.meta.url)) } },
        test: { name: 'a', include: ['a/**/*.test.ts'] },
      },
      {
        extends: true,
        resolve: { alias: { '@tags': fileURLToPath(new URL('./b/tags', import.meta.url)) } },
        test: { name: 'b', include: ['b/**/*.test.ts'] },
      },
    ],
  },
});
`,
      'shared/index.ts': "export const SHARED = '001-FR-003';\n",
      'a/tags/index.ts': "export const TAGS = ['001-FR-001'];\n",
      'b/tags/index.ts': "export const TAGS = ['001-FR-002'];\n",
      'a/x.test.ts': `import { test } from 'vitest';
import { TAGS } from '@tags/index.ts';
import { SHARED } from '@shared/index.ts';
test('a', { tags: [...TAGS, SHARED] }, () => {});
`,
      'b/y.test.ts': `import { test } from 'vitest';
import { TAGS } from '@tags/index.ts';
test('b', { tags: TAGS }, () => {});
`,
    }),
    expect: { noProblems: ['unresolved-import', 'unresolved-tags'] },
  },
  {
    name: 'spec formats and several spec folders',
    tags: ['001-FR-065', '001-FR-033'],
    files: {
      'specs/a/spec.md': [
        '# A',
        '- **001-FR-001** Dash.',
        '* **001-FR-002** Star.',
        '+ **001-FR-003** Plus.',
        '1. **001-FR-004** Numbered.',
        '2) **001-FR-005**: With a colon.',
        '```',
        '- **001-FR-009** In a fence: not a requirement.',
        '```',
        '- **Note** not a requirement either',
      ].join('\n'),
      'specs/b/spec.md': '- **001-FR-006:** Colon inside the bold.\n',
      'test/s.test.ts': `${ALL}test('all', { tags: ['001-FR-001', '001-FR-002', '001-FR-003', '001-FR-004', '001-FR-005'] }, () => {});\n`,
    },
    expect: {
      requirements: ['001-FR-001', '001-FR-002', '001-FR-003', '001-FR-004', '001-FR-005', '001-FR-006'],
      gate: 'failed',
    },
  },
  {
    name: 'unknown and malformed IDs',
    tags: ['001-FR-031'],
    files: base({
      'test/ids.test.ts': `${ALL}
test('unknown', { tags: ['001-FR-099'] }, () => {});
test('malformed', { tags: ['001-fr-001'] }, () => {});
test('other tag only', { tags: ['slow'] }, () => {});
`,
    }),
    expect: { problems: ['unknown-id', 'malformed-id', 'untagged-test'], gate: 'failed' },
  },
  {
    name: 'test.extend in its forms, aliases and Vitest 5 suites',
    tags: ['001-FR-063', '001-FR-064'],
    files: base({
      'vitest.config.ts': `import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
export default defineConfig({
  resolve: {
    alias: { '@fixtures': fileURLToPath(new URL('./test/support', import.meta.url)) },
    tsconfigPaths: true,
  },
});
`,
      'tsconfig.json': '{ "compilerOptions": { "paths": { "~/*": ["./test/support/*"] } } }\n',
      'test/support/db.ts': `import { test } from 'vitest';
export const withDb = test.extend('db', { url: 'memory' });
export const twice = withDb.extend({ extra: 1 });
`,
      'test/x.test.ts': `import { test } from 'vitest';
import { withDb } from '@fixtures/db.ts';
import { twice } from '~/db.ts';
const local = test.extend({ n: 1 });
withDb('through a Vite alias', { tags: ['001-FR-001'] }, () => {});
twice('through tsconfig paths, extended twice', { tags: ['001-FR-002'] }, () => {});
local.override({ n: 2 })('override', { tags: ['001-FR-003'] }, () => {});
test.describe('test.describe is a suite', { tags: ['001-FR-004'] }, () => {
  test('inside', () => {});
});
local.describe('extended describe', { tags: ['001-FR-005'] }, () => {
  local('inside', { tags: ['001-FR-006'] }, () => {});
});
`,
    }),
    expect: { gate: 'passed' },
  },
  {
    // The monorepo layout: the root tsconfig extends a shared base, which defines `paths`
    // relative to its own directory.
    name: 'tsconfig paths defined in an extended config',
    tags: ['001-FR-064'],
    files: base({
      'vitest.config.ts': `import { defineConfig } from 'vitest/config';
export default defineConfig({ resolve: { tsconfigPaths: true } });
`,
      'tsconfig.json':
        '{ "extends": "./config/tsconfig.base.json", "compilerOptions": { "strict": true } }\n',
      'config/tsconfig.base.json':
        '{\n  // shared by every package\n  "compilerOptions": { "paths": { "~support/*": ["../test/support/*"] } },\n}\n',
      'test/support/tags.ts': "export const TAGS = ['001-FR-001'];\n",
      'test/a.test.ts': `import { test } from 'vitest';
import { TAGS } from '~support/tags.ts';
test('tags through a path of the extended tsconfig', { tags: TAGS }, () => {});
`,
    }),
    expect: { noProblems: ['unresolved-import', 'unresolved-tags'] },
  },
  {
    name: 'APIs Vitest 5 rejects',
    tags: ['001-FR-063'],
    files: base({
      'test/removed.test.ts': `${ALL}test.sequential('gone', { tags: ['001-FR-001'] }, () => {});\n`,
      'test/third.test.ts': `${ALL}test('options third', () => {}, { tags: ['001-FR-002'] });\n`,
    }),
    expect: { problems: ['invalid-api'], noProblems: ['untagged-test'], gate: 'failed' },
  },
  {
    name: 'an import that resolves to nothing (an alias nobody defined)',
    tags: ['001-FR-064'],
    files: base({
      'test/support/db.ts': "import { test } from 'vitest';\nexport const withDb = test.extend('db', 1);\n",
      'test/a.test.ts': `import { withDb } from '@/support/db.ts';
import type { Nothing } from 'not-installed';
withDb('dropped silently before', { tags: ['001-FR-001'] }, () => {});
`,
    }),
    expect: { problems: ['unresolved-import'], gate: 'failed' },
  },
  {
    name: 'a test file that does not parse',
    tags: ['001-FR-064'],
    files: base({ 'test/broken.test.ts': `${ALL}test('x', () => {\n` }),
    expect: { throws: /broken\.test\.ts:\d+:\d+: cannot parse/ },
  },
  {
    name: 'a helper that does not parse',
    tags: ['001-FR-064'],
    files: base({
      'test/helper.ts': 'export const ID = ;\n',
      'test/h.test.ts': `${ALL}import { ID } from './helper.ts';\ntest('x', { tags: [ID] }, () => {});\n`,
    }),
    expect: { throws: /helper\.ts:1:\d+: cannot parse.*imported by/ },
  },
  {
    name: 'a test file without tests',
    tags: ['001-FR-069'],
    files: base({
      'test/empty.test.ts': "import { test } from 'vitest';\n\nvoid test;\n",
      'test/ok.test.ts': `${ALL}test('ok', { tags: ['001-FR-001'] }, () => {});\n`,
    }),
    expect: { problems: ['no-tests'], gate: 'failed' },
  },
  {
    name: 'globals and a renamed or namespace import',
    tags: ['001-FR-030'],
    files: base({
      'vitest.config.ts':
        "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { globals: true } });\n",
      'test/g.test.ts': `import { it as check } from 'vitest';
import * as vt from 'vitest';
check('renamed', { tags: ['001-FR-001'] }, () => {});
vt.test('namespace', { tags: ['001-FR-002'] }, () => {});
// @ts-expect-error: globals
test('global', { tags: ['001-FR-003'] }, () => {});
`,
    }),
  },
  {
    // The collector parses test files without their test bodies: braces in a body's strings,
    // regular expressions, templates and comments must not end it early, and a helper named like
    // the test function still has its callback walked.
    name: 'test bodies with braces in strings, regexes, templates and comments; a helper named it',
    tags: ['001-FR-032', '001-FR-068'],
    files: base({
      'test/a.test.ts': `import { describe, expect, test } from 'vitest';
describe('bodies', { tags: ['001-FR-001'] }, () => {
  test('strings and comments', () => {
    const text = '} { "}" \\'{\\''; // } a brace in a comment
    /* } */ expect(text).toContain('}');
  });
  test('regexes and templates', async () => {
    const re = /[}{]\\/}/g;
    const nested = \`\${\`\${'}'}\`} {\`;
    expect(re.test(nested)).toBe(false);
  });
  test.each([1, 2])('row %i', { tags: ['001-FR-002'] }, function (n) {
    if (n) /}/.test(String(n));
  });
});
test('after them', { tags: ['001-FR-004'] }, () => {});
`,
      'test/b.test.ts': `import { describe, expect, test } from 'vitest';
function it(name: string, body: () => void) {
  describe(name, body);
}
it('a helper named it', () => {
  test('inside the helper', { tags: ['001-FR-003'] }, () => {
    expect(1).toBe(1);
  });
});
`,
    }),
  },
  {
    name: 'JUnit evidence from any runner',
    tags: ['001-FR-066'],
    files: base({
      'test/a.test.ts': `${ALL}test('one', { tags: ['001-FR-001'] }, () => {});\ntest('two', { tags: ['001-FR-002'] }, () => {});\n`,
      'junit.xml': `<?xml version="1.0"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.test_api" name="test_one" file="tests/test_api.py">
    <properties><property name="requirements" value="001-FR-001"/></properties>
  </testcase>
  <testcase classname="tests.test_api" name="test_two" file="tests/test_api.py">
    <properties><property name="requirement" value="001-FR-002"/></properties>
    <failure message="boom">Traceback</failure>
  </testcase>
</testsuite></testsuites>
`,
    }),
    evidence: ['junit.xml'],
    expect: { failed: ['001-FR-002'], gate: 'failed' },
  },
];
