// A run's fair share on the real cluster, with the runner fixture project (test/fixtures/runner/suite):
// a run whose pods no node can hold, and a run whose own PostgreSQL its quota does not admit, both
// end in seconds naming the numbers, instead of waiting for the Job's or the services' timeout. (Every
// other run of the integration suite runs under the LimitRange and the `auto` quota, so a quota too
// small for what a run's pods ask for would refuse their pods there.)
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { allProviderFactories } from '../../../src/cluster/select.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { Status } from '../../../src/progress/status.ts';
import { runSuite } from '../../../src/runner/run.ts';

const fixture = join(import.meta.dirname, '../../fixtures/runner/suite');
const services = join(import.meta.dirname, '../../../testing/k8s/services');
const kubeconfig = process.env.KUBECONFIG ?? '';
const kube = createKubeClient({ kubeconfig });
const namespaces: string[] = [];
afterAll(async () => {
  for (const name of namespaces) await kube.core.deleteNamespace({ name }).catch(() => undefined);
});

/** Runs the fixture suite with `edit` applied to its config; resolves with the error it ends in. */
async function failingRun(edit: (config: Config) => Config) {
  const loaded = await loadConfig({ cwd: fixture });
  const runId = `fair-${Date.now().toString(36)}`;
  namespaces.push(`incluster-run-${runId}`);
  const lines: string[] = [];
  const started = performance.now();
  const error = await runSuite({
    config: edit(loaded.config),
    root: loaded.root,
    provider: await allProviderFactories.local(),
    access: { provider: 'local', clusterName: 'floe-test', kubeconfigPath: kubeconfig },
    status: new Status(new PassThrough(), { interactive: false }),
    onLog: (line) => lines.push(line),
    env: process.env,
    signal: new AbortController().signal,
    runId,
    runnerArgs: ['--mode=pass'],
  }).then(
    (result) => new Error(`the run ended ${result.exitStatus}: ${result.report.message}`),
    (caught: unknown) => caught as Error & { exitStatus?: number; reason?: string },
  );
  return { error, ms: performance.now() - started, namespace: `incluster-run-${runId}` };
}

describe("a run's fair share of the cluster", { tags: ['001-FR-189'] }, () => {
  test('runner pods larger than any node: exit 3 in seconds, before any Job exists', async () => {
    const { error, ms, namespace } = await failingRun((config) => ({
      ...config,
      runner: {
        ...config.runner,
        resources: { ...config.runner.resources, requests: { cpu: '64', memory: '64Mi' } },
      },
    }));
    expect(error).toMatchObject({ exitStatus: 3, reason: 'Unschedulable' });
    expect(error.message).toMatch(
      /^each runner pod asks for cpu 64010m and memory 80Mi, more than any node can give/,
    );
    expect(ms).toBeLessThan(30_000);
    const jobs = await kube.batch.listNamespacedJob({ namespace }).catch(() => ({ items: [] }));
    expect(jobs.items).toEqual([]);
  });

  test(
    'its own PostgreSQL refused by its quota: the wait for the services ends at once, naming the quota',
    { tags: ['001-FR-187'] },
    async () => {
      const { error, ms } = await failingRun((config) => ({
        ...config,
        services: { ...config.services, isolation: 'run', manifests: [services], timeout: 240_000 },
        runner: { ...config.runner, quota: { 'requests.cpu': '50m' } },
      }));
      expect(error).toMatchObject({ exitStatus: 3, reason: 'PodCreationRefused' });
      expect(error.message).toContain('StatefulSet/postgres cannot create its pods');
      expect(error.message).toContain('exceeded quota: incluster-run');
      expect(ms).toBeLessThan(60_000);
    },
  );
});
