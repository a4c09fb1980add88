// runner.env with valueFrom on the real cluster: a Secret and a ConfigMap of the services' namespace
// reach the runner pod (copied into the run's namespace), a string composes from incluster's own
// variables, and a missing required Secret stops the run with exit 2 before any pod starts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allPassed, junitOutcomes, kube, removeProject, runFixture, servicesProject } from './support.ts';

const NAMESPACE = 'floe-test';
const SECRET = 'incluster-it-runner-env';
const projects: string[] = [];

beforeAll(async () => {
  await kube.core.deleteNamespacedSecret({ namespace: NAMESPACE, name: SECRET }).catch(() => undefined);
  await kube.core.deleteNamespacedConfigMap({ namespace: NAMESPACE, name: SECRET }).catch(() => undefined);
  await kube.core.createNamespacedSecret({
    namespace: NAMESPACE,
    body: { metadata: { name: SECRET }, stringData: { token: 'token-from-secret' } },
  });
  await kube.core.createNamespacedConfigMap({
    namespace: NAMESPACE,
    body: { metadata: { name: SECRET }, data: { flags: 'dark-mode' } },
  });
});

afterAll(async () => {
  await kube.core.deleteNamespacedSecret({ namespace: NAMESPACE, name: SECRET }).catch(() => undefined);
  await kube.core.deleteNamespacedConfigMap({ namespace: NAMESPACE, name: SECRET }).catch(() => undefined);
  for (const dir of projects) await removeProject(dir);
});

describe('runner.env with valueFrom', { tags: ['001-FR-081'] }, () => {
  test(
    'secretKeyRef and configMapKeyRef values and $(NAME) compositions reach the pod',
    { timeout: 600_000 },
    async () => {
      const dir = await servicesProject((config) => {
        (config.runner as Record<string, unknown>).env = {
          API_TOKEN: { valueFrom: { secretKeyRef: { name: SECRET, key: 'token' } } },
          FEATURE_FLAGS: { valueFrom: { configMapKeyRef: { name: SECRET, key: 'flags' } } },
          API_DB: '$(PGHOST):$(PGPORT)',
          MISSING_OPTIONAL: {
            valueFrom: { secretKeyRef: { name: 'incluster-it-absent', key: 'x', optional: true } },
          },
        };
      });
      projects.push(dir);
      const result = await runFixture(dir, 'runner-env');
      expect(result.exitStatus, `${result.report.message}\n${result.lines.join('\n')}`).toBe(0);
      expect(await junitOutcomes(result), result.lines.join('\n')).toEqual(
        allPassed(['runner.env reads a Secret, a ConfigMap and composes from earlier variables']),
      );
    },
  );

  test('a missing required Secret exits 2 naming the variable', { timeout: 600_000 }, async () => {
    const dir = await servicesProject((config) => {
      (config.runner as Record<string, unknown>).env = {
        API_TOKEN: { valueFrom: { secretKeyRef: { name: 'incluster-it-absent', key: 'token' } } },
      };
    });
    projects.push(dir);
    const error = await runFixture(dir, 'runner-env').then(
      () => undefined,
      (caught: unknown) => caught as { exitStatus?: number; message?: string },
    );
    expect(error?.exitStatus).toBe(2);
    expect(error?.message).toContain(
      'runner.env.API_TOKEN reads Secret floe-test/incluster-it-absent, which does not exist',
    );
  });
});
