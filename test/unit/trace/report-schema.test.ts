import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { reportJsonSchema, reportSchema } from '../../../src/trace/report-schema.ts';
import { cli, makeProject, spec } from './temp-project.ts';

const SCHEMA_FILE = 'schema/traceability-report.schema.json';

describe('the published report schema', { tags: ['001-FR-034'] }, () => {
  test('schema/traceability-report.schema.json is generated from the report definition', async () => {
    const generated = `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
    // To regenerate after changing src/trace/report-schema.ts:
    //   INCLUSTER_WRITE_SCHEMA=1 npx vitest run --project unit test/unit/trace/report-schema.test.ts
    if (process.env.INCLUSTER_WRITE_SCHEMA === '1') await writeFile(SCHEMA_FILE, generated);
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(generated);
  });

  test('a report has a schemaVersion and round-trips through the schema', async () => {
    const root = await makeProject({
      'specs/a/spec.md': spec({ '001-FR-001': 'Only one.' }),
      'test/a.test.ts': "import { test } from 'vitest';\ntest('t', { tags: ['001-FR-001'] }, () => {});\n",
    });
    const report = JSON.parse((await cli(['trace', '--format', 'json'], root)).out) as unknown;
    expect(reportSchema.parse(report)).toEqual(report);
    expect((report as { schemaVersion: number }).schemaVersion).toBe(1);
    const schema = reportJsonSchema() as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toContain('schemaVersion');
    expect(Object.keys(schema.properties)).toEqual(Object.keys(report as object));
  });
});
