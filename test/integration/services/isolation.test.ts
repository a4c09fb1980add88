// services.isolation: run on the real cluster: four runs at once, each with its own PostgreSQL in
// its own namespace, of a suite that cancels queries it finds in pg_stat_activity (as
// node-postgres's query-error-handling tests do). On the one PostgreSQL the cluster shares, the
// runs cancel each other's queries and fail; each with its own, all four pass.
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { describeError } from '../../../src/errors.ts';
import { removeProject, runFixture, servicesProject } from './support.ts';

const SERVICES = join(import.meta.dirname, '../../../testing/k8s/services');
const RUNS = 4;
const projects: string[] = [];
afterAll(async () => {
  for (const dir of projects) await removeProject(dir);
});

describe('services per run', () => {
  test(
    'four concurrent runs of a suite that cancels other backends’ queries all pass',
    { tags: ['001-FR-180', '001-FR-181', '001-FR-183'], timeout: 600_000 },
    async () => {
      const dir = await servicesProject((config) => {
        config.services = { isolation: 'run', manifests: [SERVICES] };
      });
      projects.push(dir);
      // Every run ends (and removes what it made) before anything is judged.
      const settled = await Promise.allSettled(
        Array.from({ length: RUNS }, () => runFixture(dir, 'cancel-backends')),
      );
      const failures = settled.flatMap((outcome) =>
        outcome.status === 'rejected'
          ? [`${describeError(outcome.reason)}\n${(outcome.reason as { hint?: string }).hint ?? ''}`]
          : [],
      );
      expect(failures).toEqual([]);
      const results = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      for (const result of results) {
        const { namespace } = result.report;
        expect(result.exitStatus, `${result.report.message}\n${result.lines.join('\n')}`).toBe(0);
        expect(result.junit?.counts).toMatchObject({ tests: 1, failures: 0 });
        // The run deployed its own PostgreSQL, with credentials of its own, into its namespace…
        expect(result.output).toContain(`Deploying 2 service objects into ${namespace}`);
        expect(result.output).toContain(
          `created Secret ${namespace}/postgres-credentials with a random password`,
        );
        // …and took it away with the namespace.
        expect(result.namespaceAfterRun).not.toBe('present');
      }
      expect(new Set(results.map((r) => r.report.namespace)).size).toBe(RUNS);
    },
  );
});
