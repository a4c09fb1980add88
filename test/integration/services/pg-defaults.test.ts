// The runner pod's PostgreSQL variables on the real cluster: a suite with no runner.env connects with
// `new pg.Pool()` and no arguments, with DATABASE_URL, and through incluster's postgres fixture.
import { afterAll, describe, expect, test } from 'vitest';
import { allPassed, junitOutcomes, removeProject, runFixture, servicesProject } from './support.ts';

const projects: string[] = [];
afterAll(async () => {
  for (const dir of projects) await removeProject(dir);
});

describe('PostgreSQL connection variables in the runner pod', () => {
  test(
    'a suite using node-postgres defaults passes inside the cluster with no runner.env',
    { tags: ['001-FR-080', '001-FR-082'], timeout: 600_000 },
    async () => {
      const dir = await servicesProject();
      projects.push(dir);
      const result = await runFixture(dir, 'pg-defaults');
      const log = result.lines.join('\n');
      expect(result.exitStatus, `${result.report.message}\n${log}`).toBe(0);
      expect(await junitOutcomes(result), log).toEqual(
        allPassed([
          'new pg.Pool() with no arguments connects to the service',
          'DATABASE_URL connects, with its sslmode',
          'the postgres fixture uses the same variables',
        ]),
      );
    },
  );
});
