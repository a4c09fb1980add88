// The gate tells the truth about the suite Vitest runs: its test set, its specs, its evidence.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { reportSchema } from '../../../src/trace/report-schema.ts';
import { cli, makeProject, spec } from './temp-project.ts';

const SPEC = spec({ '001-FR-001': 'The first requirement.', '001-FR-002': 'The second requirement.' });
const TAGGED = (id: string, name = 'a test') =>
  `import { test } from 'vitest';\ntest('${name}', { tags: ['${id}'] }, () => {});\n`;

describe('the test set is what Vitest runs', { tags: ['001-FR-060'] }, () => {
  test('Vitest config include and exclude decide, and the table says where the set came from', async () => {
    const root = await makeProject({
      'specs/a/spec.md': SPEC,
      'vitest.config.ts':
        "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['tests/**/*.test.ts'], exclude: ['tests/legacy/**'] } });\n",
      'tests/a.test.ts': TAGGED('001-FR-001'),
      'tests/b.test.ts': "import { test } from 'vitest';\ntest('untagged', () => {});\n",
      'tests/legacy/c.test.ts': TAGGED('001-FR-002'),
      'test/d.test.ts': TAGGED('001-FR-002'),
    });
    const { status, out } = await cli(['trace'], root);
    expect(status).toBe(1);
    expect(out).toContain('Tests         2 in 2 files, 1 untagged (from vitest.config.ts)');
    expect(out).toContain('tests/b.test.ts:2:1  test has no requirement ID: untagged');
    expect(out).toContain('001-FR-002  The second requirement.'); // not covered by excluded files
  });

  test('a config part that needs running code is reported at its line and fails the gate', async () => {
    const root = await makeProject({
      'specs/a/spec.md': SPEC,
      'vitest.config.ts':
        "import { defineConfig } from 'vitest/config';\nimport { globs } from './globs.ts';\nexport default defineConfig({\n  test: { include: globs() },\n});\n",
      'globs.ts': "export const globs = () => ['test/**/*.test.ts'];\n",
      'test/a.test.ts': `${TAGGED('001-FR-001')}test('two', { tags: ['001-FR-002'] }, () => {});\n`,
    });
    const failed = await cli(['trace'], root);
    expect(failed.status).toBe(1);
    expect(failed.out).toMatch(
      /vitest\.config\.ts:4:1 {2}cannot resolve `test\.include` of vitest\.config\.ts statically/,
    );
    // With trace.tests set, the override decides.
    await writeFile(join(root, 'incluster.config.yaml'), "trace:\n  tests: ['test/**/*.test.ts']\n");
    expect((await cli(['trace'], root)).status).toBe(0);
  });
});

describe('trace.tests is an override whose disagreements fail the gate', { tags: ['001-FR-061'] }, () => {
  test('each file only one side selects is named', async () => {
    const root = await makeProject({
      'specs/a/spec.md': SPEC,
      'incluster.config.yaml': "trace:\n  tests: ['test/**/*.test.ts']\n",
      'vitest.config.ts':
        "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['tests/**/*.test.ts', 'test/a.test.ts'] } });\n",
      'test/a.test.ts': TAGGED('001-FR-001'),
      'test/old.test.ts': TAGGED('001-FR-002', 'never run'),
      'tests/new.test.ts': "import { test } from 'vitest';\ntest('untagged, run by Vitest', () => {});\n",
    });
    const { status, out } = await cli(['trace', '--format', 'json'], root);
    expect(status).toBe(1);
    const report = reportSchema.parse(JSON.parse(out));
    expect(report.settings.testSet.from).toBe('trace.tests');
    expect(report.problems.filter((p) => p.kind === 'test-set').map((p) => [p.file, p.message])).toEqual([
      ['test/old.test.ts', expect.stringContaining('Vitest does not run it')],
      ['tests/new.test.ts', expect.stringContaining('trace.tests does not match it')],
    ]);
    expect(report.gate.failures.map((f) => f.code)).toContain('test-set');
  });
});

describe('specs', { tags: ['001-FR-065'] }, () => {
  test('globs that match nothing say where requirements are', async () => {
    const root = await makeProject({ 'docs/requirements.md': '- **001-FR-001** Somewhere else.\n' });
    const { status, err } = await cli(['trace'], root);
    expect(status).toBe(2);
    expect(err).toContain('requirements found in docs/requirements.md');
  });

  test('a spec without requirements fails the gate instead of passing at 100%', async () => {
    const root = await makeProject({
      'specs/a/spec.md': '# Nothing yet\n\n- a plain item\n',
      'test/a.test.ts': "import { test } from 'vitest';\ntest('x', { tags: ['slow'] }, () => {});\n",
      'incluster.config.yaml': 'trace:\n  allowUntagged: true\n',
    });
    const { status, out } = await cli(['trace'], root);
    expect(status).toBe(1);
    expect(out).toContain('the spec files define no requirements');
  });
});

describe('reports say why', { tags: ['001-FR-067', '001-FR-034'] }, () => {
  test('failed tests are named under their requirement in Markdown and the table; paths are relative', async () => {
    const root = await makeProject({
      'specs/a/spec.md': SPEC,
      'test/a.test.ts': `${TAGGED('001-FR-001', 'passes')}test('breaks', { tags: ['001-FR-002'] }, () => {});\n`,
      'results/evidence.json': JSON.stringify({
        schemaVersion: 1,
        kind: 'incluster-trace-evidence',
        createdAt: '2026-12-01T00:00:00.000Z',
        tests: [
          { file: 'test/a.test.ts', line: 2, fullName: 'passes', ids: ['001-FR-001'], outcome: 'passed' },
          { file: 'test/a.test.ts', line: 3, fullName: 'breaks', ids: ['001-FR-002'], outcome: 'failed' },
        ],
      }),
    });
    const args = ['trace', '--require-passing', join(root, 'results/evidence.json')];
    const table = await cli(args, root);
    expect(table.status).toBe(1);
    expect(table.out).toMatch(
      /Failed requirements \(1\)\n {2}001-FR-002 {2}The second requirement\.\n {4}test\/a\.test\.ts:3 {2}breaks/,
    );
    const md = await cli([...args, '--format', 'md'], root);
    expect(md.out).toContain('**Gate failed**: failed requirements: 001-FR-002. 2 of 2 requirements covered');
    expect(md.out).toMatch(
      /## Failed requirements\n\n- \*\*001-FR-002\*\* The second requirement\.\n {2}- breaks \(`test\/a\.test\.ts:3`\)/,
    );
    const json = reportSchema.parse(JSON.parse((await cli([...args, '--format', 'json'], root)).out));
    expect(json.summary.evidence?.files).toEqual(['results/evidence.json']);
  });
});
