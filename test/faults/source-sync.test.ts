// A source sync that cannot reach the pod (FR-223), on the shared local cluster: an admission webhook
// refuses every exec into the run's pods (as a cluster policy that forbids exec would), so the warm
// inner loop cannot deliver the changed sources. The run must end as an infrastructure failure
// (exit 3, SourceSyncFailed) with no test run over stale or missing sources, and nothing left.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { allProviderFactories } from '../../src/cluster/select.ts';
import { loadConfig } from '../../src/config/load.ts';
import { deleted } from '../../src/kube/conditions.ts';
import { waitFor } from '../../src/kube/wait.ts';
import { RUN_ID_LABEL } from '../../src/ownership.ts';
import { Status } from '../../src/progress/status.ts';
import type { RunReport } from '../../src/runner/report.ts';
import { runSuite } from '../../src/runner/run.ts';
import { InfrastructureError } from '../../src/errors.ts';
import { startWebhook } from '../support/webhook.ts';
import { faultClient, ROOT } from './support.ts';

const kube = faultClient();
const kubeconfig = process.env.KUBECONFIG ?? '';
const fixture = join(ROOT, 'test/fixtures/runner/suite');
const webhooks: { close(): Promise<void> }[] = [];

afterAll(async () => {
  for (const webhook of webhooks) await webhook.close();
});

/** A copy of the runner fixture project, on incluster's own testing/Dockerfile. */
async function fixtureCopy(): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), 'incluster-sync-fault-'));
  await cp(fixture, copy, { recursive: true, filter: (path) => !path.includes('test-results') });
  const configFile = join(copy, 'incluster.config.yaml');
  await writeFile(
    configFile,
    (await readFile(configFile, 'utf8')).replace(
      /dockerfile: .*/,
      `dockerfile: ${join(ROOT, 'testing/Dockerfile')}`,
    ),
  );
  return copy;
}

/** Runs the fixture project; resolves with its report (read from report.json when the run threw). */
async function run(project: string, runId: string) {
  const { config, root } = await loadConfig({ cwd: project });
  const lines: string[] = [];
  const outcome = await runSuite({
    config,
    root,
    runId,
    provider: await allProviderFactories.local(),
    access: { provider: 'local', clusterName: 'floe-test', kubeconfigPath: kubeconfig },
    status: new Status(new PassThrough(), { interactive: false }),
    onLog: (line) => lines.push(line),
    env: process.env,
    signal: new AbortController().signal,
    runnerArgs: ['--mode=pass'],
  }).catch((error: unknown) => error);
  const report = JSON.parse(
    await readFile(join(project, 'test-results', runId, 'report.json'), 'utf8'),
  ) as RunReport;
  return { outcome, report, lines };
}

describe('a source sync refused by the cluster', { tags: ['001-FR-223'] }, () => {
  test('ends the run as an infrastructure failure before any test runs, and leaves nothing', async () => {
    const project = await fixtureCopy();
    const id = `sync-${randomBytes(3).toString('hex')}`;
    // The first run loads the image (or syncs into the one loaded already): it must pass.
    const first = await run(project, `${id}-warm`);
    expect(first.report.exitStatus, first.report.message).toBe(0);
    // A changed source, the same dependencies: the next run syncs the sources into its pods.
    const source = join(project, 'run-tests.mjs');
    await writeFile(source, (await readFile(source, 'utf8')).replace("'lists todos'", "'lists every todo'"));
    let refused = 0;
    webhooks.push(
      await startWebhook(
        kube,
        {
          rules: [
            { apiGroups: [''], apiVersions: ['v1'], resources: ['pods/exec'], operations: ['CONNECT'] },
          ],
          namespaceSelector: { matchLabels: { [RUN_ID_LABEL]: id } },
        },
        (_request, answer) => {
          refused += 1;
          answer({ allowed: false, message: 'exec is forbidden here (a test policy)' });
        },
      ),
    );
    const result = await run(project, id);
    expect(result.outcome).toBeInstanceOf(InfrastructureError);
    expect((result.outcome as InfrastructureError).reason).toBe('SourceSyncFailed');
    expect(result.report.image?.syncedSourcesInto, 'the run did not sync sources').toBeTruthy();
    expect(result.report.exitStatus, result.report.message).toBe(3);
    expect(result.report.outcome).toBe('infrastructure');
    expect(result.report.message).toContain("the sources could not be synced into shard 0's pod");
    expect(result.report.message).toContain('403');
    expect(refused, 'the sync was tried once more').toBeGreaterThanOrEqual(2);
    expect(
      result.lines.filter((line) => line.includes('✓')),
      'tests ran',
    ).toEqual([]);
    await waitFor(deleted(kube, 'Namespace', undefined, result.report.namespace), { timeout: 120_000 });
  });
});
