import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { summarizeTraceability } from '../../../src/runner/report.ts';
import { EVIDENCE_SCHEMA_VERSION, type RunEvidence } from '../../../src/trace/evidence.ts';

/** Evidence as the trace reporter writes it into a shard's /artifacts. */
function evidence(
  shard: string,
  tests: { name: string; ids: string[]; outcome: 'passed' | 'failed' | 'skipped' }[],
): RunEvidence {
  return {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    kind: 'incluster-trace-evidence',
    createdAt: '2026-11-24T12:00:00.000Z',
    shards: [shard],
    tests: tests.map((t) => ({
      file: 'test/app.test.ts',
      fullName: t.name,
      project: '',
      ids: t.ids,
      tags: t.ids,
      outcome: t.outcome,
    })),
    moduleErrors: [],
  };
}

describe(
  'the run report carries the traceability of the in-cluster run',
  { tags: ['001-FR-019', '001-FR-037'] },
  () => {
    test("the shards' evidence copied out of the pods is merged and judged per requirement", async () => {
      const dir = await mkdtemp(join(tmpdir(), 'incluster-run-report-'));
      await mkdir(join(dir, 'shard-0'), { recursive: true });
      await mkdir(join(dir, 'shard-1', 'nested'), { recursive: true });
      await writeFile(
        join(dir, 'shard-0', 'traceability.json'),
        JSON.stringify(
          evidence('1/2', [
            { name: 'creates', ids: ['001-FR-001'], outcome: 'passed' },
            { name: 'lists', ids: ['001-FR-002'], outcome: 'passed' },
          ]),
        ),
      );
      await writeFile(
        join(dir, 'shard-1', 'nested', 'traceability.shard-2-of-2.json'),
        JSON.stringify(
          evidence('2/2', [
            { name: 'lists again', ids: ['001-FR-002'], outcome: 'failed' },
            { name: 'not yet', ids: ['001-FR-003'], outcome: 'skipped' },
          ]),
        ),
      );
      await writeFile(join(dir, 'shard-1', 'traceability-notes.txt'), 'not evidence');

      const summary = await summarizeTraceability(dir, 2);
      expect(summary).toEqual({
        files: ['shard-0/traceability.json', 'shard-1/nested/traceability.shard-2-of-2.json'],
        tests: 4,
        // A requirement with one failed test anywhere is failed; only skipped tests leave it unverified.
        requirements: { passed: ['001-FR-001'], failed: ['001-FR-002'], unverified: ['001-FR-003'] },
      });
    });

    test('a run whose tests wrote no evidence has no traceability section rather than an empty one', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'incluster-run-report-'));
      await mkdir(join(dir, 'shard-0'), { recursive: true });
      await writeFile(join(dir, 'shard-0', 'junit.xml'), '<testsuites/>');
      expect(await summarizeTraceability(dir, 1)).toBeUndefined();
    });
  },
);
