// `incluster run` on the shared local cluster, with the tiny fixture project of
// test/fixtures/runner/suite (built on incluster's own testing/Dockerfile): the exit statuses, the
// artifacts that survive failures and crashes, shards, interrupts, and the restricted namespace.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allProviderFactories } from '../../../src/cluster/select.ts';
import type { ClusterAccess } from '../../../src/cluster/provider.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { Status } from '../../../src/progress/status.ts';
import { runSuite, type RunSuiteOptions } from '../../../src/runner/run.ts';

const fixture = join(import.meta.dirname, '../../fixtures/runner/suite');
const kubeconfig = process.env.KUBECONFIG ?? '';
const client = createKubeClient({ kubeconfig });
const access: ClusterAccess = { provider: 'local', clusterName: 'floe-test', kubeconfigPath: kubeconfig };
const namespacesToDelete: string[] = [];

/** Runs the fixture suite through runSuite, capturing its log lines. */
async function run(overrides: Partial<RunSuiteOptions> = {}) {
  const { config, root } = await loadConfig({ cwd: fixture });
  const lines: string[] = [];
  const started = performance.now();
  const result = await runSuite({
    config,
    root,
    provider: await allProviderFactories.local(),
    access,
    status: new Status(new PassThrough(), { interactive: false }),
    onLog: (line) => lines.push(line),
    env: process.env,
    signal: new AbortController().signal,
    ...overrides,
  });
  namespacesToDelete.push(result.report.namespace);
  return { ...result, lines, ms: performance.now() - started };
}

async function junitOf(dir: string): Promise<string> {
  return readFile(join(dir, 'junit.xml'), 'utf8');
}

beforeAll(async () => {
  await rm(join(fixture, 'test-results'), { recursive: true, force: true });
});

afterAll(async () => {
  for (const name of namespacesToDelete) await client.core.deleteNamespace({ name }).catch(() => undefined);
});

describe('incluster run on the local cluster', () => {
  test(
    'a passing suite exits 0 with a JUnit file holding every case and a full report',
    { tags: ['001-FR-010', '001-FR-011', '001-FR-013', '001-FR-018'] },
    async () => {
      const result = await run({ runnerArgs: ['--mode=pass'], syncSources: false });
      expect(result.exitStatus, result.report.message).toBe(0);
      const junit = await junitOf(result.dir);
      for (const name of [
        'creates a todo',
        'lists todos',
        'rejects an empty title',
        'marks a todo done',
        'deletes a todo',
        'survives a restart',
      ])
        expect(junit).toContain(`name="${name}"`);
      expect(result.junit?.counts).toMatchObject({ tests: 6, failures: 0 });
      expect(result.lines).toContain('[shard 0] ✓ creates a todo');
      const report = JSON.parse(
        await readFile(join(result.dir, 'report.json'), 'utf8'),
      ) as typeof result.report;
      expect(report).toMatchObject({ outcome: 'passed', exitStatus: 0, runId: result.report.runId });
      expect(report.image?.reference).toMatch(/^incluster-runner-fixture:[0-9a-f]{16}$/);
      expect(report.image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(report.cluster.serverVersion).toMatch(/^v1\./);
      expect(report.cluster.nodes[0]?.kubeletVersion).toMatch(/^v1\./);
      expect(report.phases.map((p) => p.name).join('\n')).toContain('Building the runner image');
    },
  );

  test('an unchanged tree is not rebuilt', { tags: ['001-FR-010'] }, async () => {
    const result = await run({ runnerArgs: ['--mode=pass'], syncSources: false });
    expect(result.exitStatus).toBe(0);
    expect(result.report.image?.built).toBe(false);
  });

  test(
    'a changed source with unchanged dependencies runs the loaded image with the sources synced in',
    { tags: ['001-FR-010', '001-FR-011'] },
    async () => {
      const copy = await mkdtemp(join(tmpdir(), 'incluster-sync-'));
      await cp(fixture, copy, { recursive: true, filter: (path) => !path.includes('test-results') });
      const configFile = join(copy, 'incluster.config.yaml');
      const dockerfile = join(fixture, '../../../../testing/Dockerfile');
      await writeFile(
        configFile,
        (await readFile(configFile, 'utf8')).replace(/dockerfile: .*/, `dockerfile: ${dockerfile}`),
      );
      const source = join(copy, 'run-tests.mjs');
      await writeFile(
        source,
        (await readFile(source, 'utf8')).replace("'lists todos'", "'lists every todo'"),
      );
      const { config, root } = await loadConfig({ cwd: copy });
      const result = await run({ runnerArgs: ['--mode=pass'], config, root });
      expect(result.exitStatus, result.report.message).toBe(0);
      expect(result.report.image?.syncedSourcesInto).toMatch(/^incluster-runner-fixture:[0-9a-f]{16}$/);
      expect(result.report.image?.syncedSourcesInto).not.toBe(result.report.image?.reference);
      expect(result.lines).toContain('[shard 0] ✓ lists every todo');
      await rm(copy, { recursive: true, force: true });
    },
  );

  test(
    'a failing test exits 1 and its message is in the JUnit',
    { tags: ['001-FR-014', '001-FR-015'] },
    async () => {
      const result = await run({ runnerArgs: ['--mode=fail'] });
      expect(result.exitStatus).toBe(1);
      expect(result.report.outcome).toBe('failed');
      const junit = await junitOf(result.dir);
      expect(junit).toContain('expected status 400 to be 422');
      expect(result.junit?.failed).toEqual([
        'shard 1/1 › rejects an empty title: expected status 400 to be 422',
      ]);
    },
  );

  test(
    'an image that does not exist exits 3 in seconds, naming the reason',
    { tags: ['001-FR-015'] },
    async () => {
      const result = await run({
        // As incluster runs the images it loads itself (kind, local): the node must have it, no pull.
        image: {
          reference: 'docker.io/library/incluster-no-such-image:0000000000000000',
          pullPolicy: 'Never',
        },
      });
      expect(result.exitStatus).toBe(3);
      expect(result.report.reason).toMatch(/^(ErrImagePull|ImagePullBackOff|ErrImageNeverPull)$/);
      expect(result.report.message).toContain('incluster-no-such-image');
      expect(result.ms).toBeLessThan(30_000);
    },
  );

  test(
    'an OOM-killed runner exits 3 naming OOMKilled, with the artifacts written so far',
    { tags: ['001-FR-014', '001-FR-015'] },
    async () => {
      const result = await run({ runnerArgs: ['--mode=oom'] });
      const returned = Date.now();
      expect(result.exitStatus).toBe(3);
      expect(result.report.reason).toBe('OOMKilled');
      expect(result.junit?.counts.tests).toBe(2);
      // Within 10 s of the kill, as the kubelet timed it (whole seconds, so up to 1 s earlier).
      const killed = result.report.shards[0]?.testEndedAt;
      expect(killed, JSON.stringify(result.report.shards)).toBeDefined();
      expect(returned - new Date(killed!).getTime()).toBeLessThan(10_000);
    },
  );

  test(
    'a runner killed mid-run still yields the artifacts written so far',
    { tags: ['001-FR-014'] },
    async () => {
      const result = await run({ runnerArgs: ['--mode=crash'] });
      const returned = Date.now();
      expect(result.exitStatus).toBe(3);
      expect(result.report.reason).toBe('TestProcessKilled');
      const killed = result.report.shards[0]?.testEndedAt;
      expect(returned - new Date(killed!).getTime(), JSON.stringify(result.report.shards)).toBeLessThan(
        10_000,
      );
      expect(existsSync(join(result.dir, 'shard-0', 'junit.xml'))).toBe(true);
      expect(result.junit?.counts.tests).toBe(2);
    },
  );

  test(
    'two shards merge into one JUnit with every case',
    { tags: ['001-FR-016', '001-FR-013'] },
    async () => {
      const result = await run({ runnerArgs: ['--mode=pass'], shards: 2 });
      expect(result.exitStatus).toBe(0);
      expect(result.junit?.counts.tests).toBe(6);
      const junit = await junitOf(result.dir);
      expect(junit).toContain('name="shard 1/2"');
      expect(junit).toContain('name="shard 2/2"');
      expect(result.lines.some((l) => l.startsWith('[shard 1] '))).toBe(true);
      expect(result.report.shards.map((s) => s.exitCode)).toEqual([0, 0]);
    },
  );

  test(
    'a suite past its deadline exits 3 naming DeadlineExceeded',
    { tags: ['001-FR-015', '001-FR-012'] },
    async () => {
      const result = await run({ runnerArgs: ['--mode=slow'], timeoutSeconds: 15 });
      expect(result.exitStatus).toBe(3);
      expect(result.report.reason).toBe('DeadlineExceeded');
      expect(result.ms).toBeLessThan(60_000);
    },
  );

  test('an interrupt deletes the Job and its pods and says so', { tags: ['001-FR-017'] }, async () => {
    const controller = new AbortController();
    const runId = `abort-${Date.now().toString(36)}`;
    const promise = run({ runnerArgs: ['--mode=slow'], signal: controller.signal, runId });
    // Interrupt once the tests are running (their first lines have arrived).
    const deadline = Date.now() + 120_000;
    let namespace: string | undefined;
    while (Date.now() < deadline && !namespace) {
      const pods = await client.core
        .listNamespacedPod({ namespace: `incluster-run-${runId}` })
        .catch(() => ({ items: [] }));
      const running = pods.items.find((p) =>
        p.status?.containerStatuses?.some((c) => c.name === 'tests' && c.state?.running),
      );
      namespace = running?.metadata?.namespace;
      if (!namespace) await new Promise((r) => setTimeout(r, 500));
    }
    expect(namespace).toBeDefined();
    await new Promise((r) => setTimeout(r, 2000));
    controller.abort(new Error('interrupted by SIGINT'));
    const result = await promise;
    expect(result.exitStatus).toBe(130);
    expect(result.report.message).toMatch(/deleted Job .*incluster-runner and its 1 pod, namespace /);
    const jobs = await client.batch.listNamespacedJob({ namespace: namespace! }).catch(() => ({ items: [] }));
    const pods = await client.core.listNamespacedPod({ namespace: namespace! }).catch(() => ({ items: [] }));
    expect(jobs.items).toEqual([]);
    expect(pods.items).toEqual([]);
  });

  test(
    'the runner pod is admitted in a namespace enforcing the restricted Pod Security Standard',
    { tags: ['001-FR-012'] },
    async () => {
      const result = await run({ runnerArgs: ['--mode=pass'], keep: true });
      expect(result.exitStatus).toBe(0);
      const ns = await client.core.readNamespace({ name: result.report.namespace });
      expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const job = await client.batch.readNamespacedJob({
        namespace: result.report.namespace,
        name: 'incluster-runner',
      });
      expect(job.spec?.backoffLimit).toBe(0);
      expect(job.spec?.activeDeadlineSeconds).toBe(300);
      const pods = await client.core.listNamespacedPod({ namespace: result.report.namespace });
      expect(pods.items).toHaveLength(1);
      expect(pods.items[0]?.spec?.serviceAccountName).toBe('incluster-runner');
    },
  );
});
