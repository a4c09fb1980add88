// A namespace's workloads whose controller may not create their pods (the quota, the Pod Security
// level): the services wait ends at once naming the refusal, instead of at its timeout; an older
// refusal, or one that passes by itself, does not end it. On a fake API server.
import { afterEach, describe, expect, test } from 'vitest';
import { namespaceWorkloadsReady } from '../../../src/kube/conditions.ts';
import { waitFor, WaitImpossibleError, WaitTimeoutError } from '../../../src/kube/wait.ts';
import { json, startFakeApiServer, startWatch, type FakeApiServer } from './fake-api-server.ts';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.close();
});

/** Serves every collection of the namespace: the StatefulSet not ready, no pods, these events. */
async function namespaceWith(events: Record<string, unknown>[]) {
  fake = await startFakeApiServer();
  const list = (items: unknown[]) => ({ kind: 'List', metadata: { resourceVersion: '1' }, items });
  const collections: Record<string, unknown[]> = {
    '/api/v1/namespaces/run/pods': [],
    '/apis/apps/v1/namespaces/run/deployments': [],
    '/apis/apps/v1/namespaces/run/daemonsets': [],
    '/apis/batch/v1/namespaces/run/jobs': [],
    '/apis/apps/v1/namespaces/run/statefulsets': [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'postgres', namespace: 'run', resourceVersion: '1', generation: 1 },
        spec: { replicas: 1 },
        status: { observedGeneration: 1, replicas: 0, readyReplicas: 0 },
      },
    ],
    '/api/v1/namespaces/run/events': events.map((event, index) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `postgres.${index}`, namespace: 'run', resourceVersion: '1' },
      involvedObject: { kind: 'StatefulSet', name: 'postgres' },
      reason: 'FailedCreate',
      ...event,
    })),
  };
  for (const [path, items] of Object.entries(collections))
    fake.on('GET', path, (req, res) => {
      if (req.query.get('watch') === 'true') startWatch(res);
      else json(res, 200, list(items));
    });
}

const QUOTA =
  'create Pod postgres-0 in StatefulSet postgres failed error: pods "postgres-0" is forbidden: exceeded quota: incluster-run, requested: requests.cpu=100m, used: requests.cpu=0, limited: requests.cpu=50m';

describe('a pod its controller may not create', { tags: ['001-FR-189'] }, () => {
  test('ends the wait at once, naming the workload and the quota', async () => {
    await namespaceWith([{ message: QUOTA, lastTimestamp: new Date().toISOString() }]);
    const started = performance.now();
    const error = await waitFor(namespaceWorkloadsReady(fake.client(), 'run', { refusals: true }), {
      timeout: 10_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitImpossibleError);
    expect(error).toMatchObject({ reason: 'PodCreationRefused' });
    expect((error as Error).message).toContain(`StatefulSet/postgres cannot create its pods: ${QUOTA}`);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test('a refusal from before the wait, or one that passes by itself, does not end it', async () => {
    await namespaceWith([
      { message: QUOTA, lastTimestamp: new Date(Date.now() - 3_600_000).toISOString() },
      {
        message: 'pods "postgres-0" is forbidden: error looking up service account run/default',
        lastTimestamp: new Date().toISOString(),
      },
    ]);
    const error = await waitFor(namespaceWorkloadsReady(fake.client(), 'run', { refusals: true }), {
      timeout: 1_500,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
  });
});
