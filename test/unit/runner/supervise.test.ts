// The Job supervisor on the watch engine, against scripted watch streams: each shard's end is seen
// from the event that shows it, a holder that starts running is announced once, a Job whose pods
// are refused is named after its grace without any further event, and a Job's own failure ends
// every shard (FR-015).
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import type { KubeObject } from '../../../src/kube/manifests.ts';
import { superviseJob } from '../../../src/runner/supervise.ts';
import { json, startFakeApiServer, startWatch, type FakeApiServer } from '../kube/fake-api-server.ts';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.close();
});

type Send = (type: string, object: unknown) => void;

/** Serves a collection: one list, then one watch driven by `script` (idle when absent). */
function serve(path: string, items: unknown[], script?: (send: Send, res: ServerResponse) => void) {
  let watched = false;
  fake.on('GET', path, (req, res) => {
    if (req.query.get('watch') === 'true') {
      const send = startWatch(res);
      if (!watched) script?.(send, res);
      watched = true;
      return;
    }
    json(res, 200, { kind: 'List', metadata: { resourceVersion: '1' }, items });
  });
}

function shardPod(index: number, rv: string, containers: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `runner-${index}`,
      namespace: 'run',
      resourceVersion: rv,
      labels: { 'job-name': 'runner' },
      annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
    },
    status: {
      phase: 'Running',
      containerStatuses: Object.entries(containers).map(([name, state]) => ({ name, state })),
    },
  };
}

const running = { running: { startedAt: '2026-12-01T00:00:00Z' } };
const exited = (exitCode: number) => ({ terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed' } });

function serveJob(job: Record<string, unknown> = {}) {
  serve('/apis/batch/v1/namespaces/run/jobs', [
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'runner', namespace: 'run', resourceVersion: '1' },
      ...job,
    },
  ]);
}

describe('superviseJob', { tags: ['001-FR-015'] }, () => {
  test("each shard ends at the event that shows its tests' exit, and a running holder is announced once", async () => {
    fake = await startFakeApiServer();
    serveJob();
    serve('/api/v1/namespaces/run/events', []);
    serve(
      '/api/v1/namespaces/run/pods',
      [shardPod(0, '1', { tests: running }), shardPod(1, '1', {})],
      (send) => {
        setTimeout(() => send('MODIFIED', shardPod(1, '2', { tests: running, artifacts: running })), 20);
        setTimeout(() => send('MODIFIED', shardPod(1, '3', { tests: running, artifacts: running })), 40);
        setTimeout(() => send('MODIFIED', shardPod(0, '4', { tests: exited(0), artifacts: running })), 60);
        setTimeout(() => send('MODIFIED', shardPod(1, '5', { tests: exited(1), artifacts: running })), 80);
      },
    );
    const holders: string[] = [];
    const pods: number[] = [];
    const ends = await superviseJob(fake.client(), 'run', 'runner', {
      shards: 2,
      signal: AbortSignal.timeout(10_000),
      onPod: (_pod, index) => pods.push(index),
      onHolderRunning: (pod) => holders.push(pod.metadata.name ?? ''),
    });
    expect(ends.map((end) => [end.index, end.state])).toEqual([
      [0, expect.objectContaining({ state: 'ended', exitCode: 0 })],
      [1, expect.objectContaining({ state: 'ended', exitCode: 1 })],
    ]);
    expect(pods.sort()).toEqual([0, 1]);
    expect(holders).toEqual(['runner-1', 'runner-0']);
  });

  test('a pod deleted before its tests ended is a PodDeleted shard', async () => {
    fake = await startFakeApiServer();
    serveJob();
    serve('/api/v1/namespaces/run/events', []);
    serve('/api/v1/namespaces/run/pods', [shardPod(0, '1', { tests: running })], (send) => {
      setTimeout(() => send('DELETED', shardPod(0, '2', { tests: running })), 20);
    });
    const [end] = await superviseJob(fake.client(), 'run', 'runner', {
      shards: 1,
      signal: AbortSignal.timeout(10_000),
    });
    expect(end?.state).toMatchObject({ state: 'infrastructure', reason: 'PodDeleted' });
  });

  test('pods the Job cannot create are named after the grace, without a further event', async () => {
    fake = await startFakeApiServer();
    serveJob();
    serve('/api/v1/namespaces/run/pods', []);
    // A refusal that may pass (the account appears a moment after the namespace): judged after the grace.
    serve('/api/v1/namespaces/run/events', [
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'runner.1', namespace: 'run', resourceVersion: '1' },
        reason: 'FailedCreate',
        message:
          'pods "runner-0" is forbidden: error looking up service account run/runner: serviceaccount "runner" not found',
      },
    ]);
    const started = performance.now();
    const ends = await superviseJob(fake.client(), 'run', 'runner', {
      shards: 2,
      signal: AbortSignal.timeout(10_000),
      podCreationGraceMs: 300,
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(ends).toHaveLength(2);
    for (const end of ends) {
      expect(end.state).toMatchObject({ state: 'infrastructure', reason: 'PodCreationFailed' });
      expect(end.state.state === 'infrastructure' && end.state.message).toContain('serviceaccount "runner"');
    }
    // The FailedCreate events were watched with a field selector, not re-listed.
    const eventLists = fake.requests.filter(
      (r) => r.path === '/api/v1/namespaces/run/events' && r.query.get('watch') !== 'true',
    );
    expect(eventLists).toHaveLength(1);
    expect(eventLists[0]?.query.get('fieldSelector')).toContain('reason=FailedCreate');
  });

  test(
    'a quota or Pod Security refusal is named at once, without waiting out the grace',
    { tags: ['001-FR-189'] },
    async () => {
      for (const message of [
        'pods "runner-0" is forbidden: exceeded quota: incluster-run, requested: limits.cpu=2, used: limits.cpu=1, limited: limits.cpu=2',
        'pods "runner-0" is forbidden: violates PodSecurity "restricted:latest": privileged',
      ]) {
        if (message.includes('PodSecurity')) await fake.close(); // the quota's fake; afterEach closes the last
        fake = await startFakeApiServer();
        serveJob();
        serve('/api/v1/namespaces/run/pods', []);
        serve('/api/v1/namespaces/run/events', [
          {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name: 'runner.1', namespace: 'run', resourceVersion: '1' },
            involvedObject: { kind: 'Job', name: 'runner' },
            reason: 'FailedCreate',
            lastTimestamp: new Date().toISOString(),
            message,
          },
        ]);
        const started = performance.now();
        const ends = await superviseJob(fake.client(), 'run', 'runner', {
          shards: 1,
          signal: AbortSignal.timeout(10_000),
          podCreationGraceMs: 60_000,
        });
        expect(performance.now() - started).toBeLessThan(5_000);
        expect(ends[0]?.state).toMatchObject({ state: 'infrastructure', reason: 'PodCreationFailed' });
        expect(ends[0]?.state.state === 'infrastructure' && ends[0].state.message).toContain(message);
      }
    },
  );

  test("the Job's own failure (FailureTarget, its deadline) ends every shard", async () => {
    fake = await startFakeApiServer();
    serveJob({
      status: {
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ],
      },
    });
    serve('/api/v1/namespaces/run/events', []);
    serve('/api/v1/namespaces/run/pods', [shardPod(0, '1', { tests: running })]);
    const ends = await superviseJob(fake.client(), 'run', 'runner', {
      shards: 2,
      signal: AbortSignal.timeout(10_000),
    });
    expect(ends.map((end) => end.state)).toEqual([
      expect.objectContaining({ reason: 'DeadlineExceeded' }),
      expect.objectContaining({ reason: 'DeadlineExceeded' }),
    ]);
  });

  test('an abort ends the supervision with its reason', async () => {
    fake = await startFakeApiServer();
    serveJob();
    serve('/api/v1/namespaces/run/events', []);
    serve('/api/v1/namespaces/run/pods', [shardPod(0, '1', { tests: running })]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 50);
    await expect(
      superviseJob(fake.client(), 'run', 'runner', { shards: 1, signal: controller.signal }),
    ).rejects.toThrow('interrupted by SIGINT');
  });
});
