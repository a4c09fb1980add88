import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import {
  deleted,
  deploymentAvailable,
  jobComplete,
  nodesRegistered,
  podReady,
  serviceHasEndpoints,
} from '../../../src/kube/conditions.ts';
import type { KubeObject } from '../../../src/kube/manifests.ts';
import { waitFor, WaitImpossibleError, WaitTimeoutError } from '../../../src/kube/wait.ts';
import {
  json,
  startFakeApiServer,
  startWatch,
  type FakeApiServer,
  type RecordedRequest,
} from './fake-api-server.ts';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.close();
});

type WatchScript = (
  send: (type: string, object: unknown) => void,
  res: ServerResponse,
  req: RecordedRequest,
) => void;

/** Serves a collection: lists from `lists` in turn (last one repeats), watches from `watches` in turn (then idle). */
function serve(path: string, lists: (() => unknown)[], watches: WatchScript[]) {
  let listCalls = 0;
  let watchCalls = 0;
  fake.on('GET', path, (req, res) => {
    if (req.query.get('watch') === 'true') {
      const script = watches[watchCalls++];
      const send = startWatch(res);
      script?.(send, res, req);
      return;
    }
    const list = lists[Math.min(listCalls++, lists.length - 1)]!;
    json(res, 200, list());
  });
  return {
    get listCalls() {
      return listCalls;
    },
    watchRequests: () => fake.requests.filter((r) => r.path === path && r.query.get('watch') === 'true'),
  };
}

function pod(
  name: string,
  rv: string,
  status: Record<string, unknown>,
  labels: Record<string, string> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'ns', resourceVersion: rv, labels },
    status,
  };
}
const list = (rv: string, items: unknown[]) => () => ({
  kind: 'List',
  metadata: { resourceVersion: rv },
  items,
});
const pending = {
  phase: 'Pending',
  conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
  containerStatuses: [
    { name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
  ],
};
const ready = {
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
};
const waitingWith = (reason: string, extra: Record<string, unknown> = {}) => ({
  phase: 'Pending',
  conditions: [{ type: 'Ready', status: 'False' }],
  containerStatuses: [
    {
      name: 'app',
      ready: false,
      restartCount: 3,
      state: { waiting: { reason, message: `${reason} details` } },
      ...extra,
    },
  ],
});

describe('waitFor: watch-backed waits', { tags: ['001-FR-021'] }, () => {
  test('lists, then reacts to the watch event that makes the condition true', async () => {
    fake = await startFakeApiServer();
    const pods = serve(
      '/api/v1/namespaces/ns/pods',
      [list('10', [pod('web', '10', pending)])],
      [(send) => setTimeout(() => send('MODIFIED', pod('web', '11', ready)), 20)],
    );
    const result = await waitFor(podReady(fake.client(), 'ns', 'web'), { timeout: 5000 });
    expect(result.metadata.resourceVersion).toBe('11');
    expect(pods.listCalls).toBe(1);
    const watch = pods.watchRequests()[0]!;
    expect(watch.query.get('resourceVersion')).toBe('10');
    expect(watch.query.get('fieldSelector')).toBe('metadata.name=web');
  });

  test('nodesRegistered waits, watching, for the first kubelet to register', async () => {
    fake = await startFakeApiServer();
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', resourceVersion: '3' } };
    const nodes = serve(
      '/api/v1/nodes',
      [list('2', [])],
      [(send) => setTimeout(() => send('ADDED', node), 20)],
    );
    expect(await waitFor(nodesRegistered(fake.client()), { timeout: 5000 })).toEqual(['n1']);
    expect(nodes.listCalls).toBe(1);
    expect(nodes.watchRequests()[0]!.query.get('resourceVersion')).toBe('2');
  });

  test('resumes a dropped watch from the last resourceVersion it saw, without relisting', async () => {
    fake = await startFakeApiServer();
    const pods = serve(
      '/api/v1/namespaces/ns/pods',
      [list('10', [pod('web', '10', pending)])],
      [
        (send, res) => {
          send('MODIFIED', pod('web', '15', pending));
          setTimeout(() => res.end(), 10); // the server drops the stream
        },
        (send) => setTimeout(() => send('MODIFIED', pod('web', '16', ready)), 10),
      ],
    );
    await waitFor(podReady(fake.client(), 'ns', 'web'), { timeout: 5000 });
    expect(pods.watchRequests().map((r) => r.query.get('resourceVersion'))).toEqual(['10', '15']);
    expect(pods.listCalls).toBe(1);
  });

  test('relists when the watch answers 410 Gone', async () => {
    fake = await startFakeApiServer();
    const pods = serve(
      '/api/v1/namespaces/ns/pods',
      [list('10', [pod('web', '10', pending)]), list('50', [pod('web', '50', ready)])],
      [
        (send) =>
          send('ERROR', {
            kind: 'Status',
            code: 410,
            reason: 'Expired',
            message: 'too old resource version',
          }),
      ],
    );
    const result = await waitFor(podReady(fake.client(), 'ns', 'web'), { timeout: 5000 });
    expect(result.metadata.resourceVersion).toBe('50');
    expect(pods.listCalls).toBe(2);
  });

  test('a Deployment is available only when its observedGeneration is current', async () => {
    fake = await startFakeApiServer();
    const deployment = (rv: string, observedGeneration: number) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'ns', generation: 2, resourceVersion: rv },
      spec: { replicas: 1, selector: { matchLabels: { app: 'api' } } },
      status: {
        observedGeneration,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [{ type: 'Available', status: 'True' }],
      },
    });
    serve(
      '/apis/apps/v1/namespaces/ns/deployments',
      [list('5', [deployment('5', 1)])],
      [(send) => setTimeout(() => send('MODIFIED', deployment('6', 2)), 30)],
    );
    serve('/api/v1/namespaces/ns/pods', [list('5', [])], []);
    const result = await waitFor(deploymentAvailable(fake.client(), 'ns', 'api'), { timeout: 5000 });
    expect(result.metadata.resourceVersion).toBe('6');
  });

  test('deleted() is met at once when the object is already gone', async () => {
    fake = await startFakeApiServer();
    serve('/api/v1/namespaces/ns/pods', [list('3', [])], []);
    await expect(
      waitFor(deleted(fake.client(), 'Pod', 'ns', 'web'), { timeout: 2000 }),
    ).resolves.toBeUndefined();
  });

  test('serviceHasEndpoints reads ready addresses from EndpointSlices', async () => {
    fake = await startFakeApiServer();
    serve('/api/v1/namespaces/ns/services', [list('1', [{ metadata: { name: 'db', namespace: 'ns' } }])], []);
    const slice = (rv: string, ready: boolean) => ({
      metadata: { name: 'db-x', namespace: 'ns', resourceVersion: rv },
      endpoints: [{ addresses: ['10.88.0.7'], conditions: { ready } }],
    });
    const slices = serve(
      '/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices',
      [list('1', [slice('1', false)])],
      [(send) => setTimeout(() => send('MODIFIED', slice('2', true)), 20)],
    );
    expect(await waitFor(serviceHasEndpoints(fake.client(), 'ns', 'db'), { timeout: 5000 })).toEqual([
      '10.88.0.7',
    ]);
    expect(slices.watchRequests()[0]!.query.get('labelSelector')).toBe('kubernetes.io/service-name=db');
  });

  test('serviceHasEndpoints with atLeast waits until that many ready addresses are behind the Service', async () => {
    fake = await startFakeApiServer();
    serve(
      '/api/v1/namespaces/ns/services',
      [list('1', [{ metadata: { name: 'api', namespace: 'ns' } }])],
      [],
    );
    const slice = (rv: string, addresses: string[]) => ({
      metadata: { name: 'api-x', namespace: 'ns', resourceVersion: rv },
      endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
    });
    serve(
      '/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices',
      [list('1', [slice('1', ['10.88.0.7'])])],
      [(send) => setTimeout(() => send('MODIFIED', slice('2', ['10.88.0.7', '10.88.0.8'])), 20)],
    );
    expect(
      await waitFor(serviceHasEndpoints(fake.client(), 'ns', 'api', { atLeast: 2 }), { timeout: 5000 }),
    ).toEqual(['10.88.0.7', '10.88.0.8']);
  });

  test('an abort signal ends the wait with its reason', async () => {
    fake = await startFakeApiServer();
    serve('/api/v1/namespaces/ns/pods', [list('1', [pod('web', '1', pending)])], []);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 50);
    await expect(
      waitFor(podReady(fake.client(), 'ns', 'web'), { timeout: 5000, signal: controller.signal }),
    ).rejects.toThrow('interrupted by SIGINT');
  });
});

describe('waitFor: a timeout explains itself', { tags: ['001-FR-022'] }, () => {
  test('names the object, the elapsed time, the last state and the recent events', async () => {
    fake = await startFakeApiServer();
    serve('/api/v1/namespaces/ns/pods', [list('1', [pod('web', '1', pending)])], []);
    fake.on('GET', '/api/v1/namespaces/ns/events', (_req, res) =>
      json(res, 200, {
        kind: 'EventList',
        metadata: {},
        items: [
          {
            metadata: { name: 'e2' },
            involvedObject: { kind: 'Pod', name: 'web' },
            type: 'Normal',
            reason: 'Pulled',
            message: 'Container image "busybox:1.35" already present',
            lastTimestamp: '2026-11-24T10:00:05Z',
            count: 1,
          },
          {
            metadata: { name: 'e1' },
            involvedObject: { kind: 'Pod', name: 'web' },
            type: 'Normal',
            reason: 'Scheduled',
            message: 'Successfully assigned ns/web to node',
            lastTimestamp: '2026-11-24T10:00:01Z',
            count: 1,
          },
        ],
      }),
    );
    const error = await waitFor(podReady(fake.client(), 'ns', 'web'), { timeout: 300 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    const timeout = error as WaitTimeoutError;
    expect(timeout.code).toBe('INCLUSTER_WAIT_TIMEOUT');
    expect(timeout.exitStatus).toBe(3);
    expect(timeout.object).toBe('Pod ns/web');
    expect(timeout.elapsedMs).toBeGreaterThanOrEqual(290);
    expect(timeout.message.split('\n')[0]).toMatch(
      /^timed out after \d+ms waiting for Pod ns\/web to be Ready$/,
    );
    expect(timeout.message).toContain('Pod ns/web: phase Pending');
    expect(timeout.message).toContain('conditions: Ready=False (ContainersNotReady)');
    expect(timeout.message).toContain('container app: waiting (ContainerCreating), restarts 0');
    // Events oldest first.
    expect(timeout.events).toEqual([
      '2026-11-24T10:00:01.000Z Normal Scheduled Pod/web: Successfully assigned ns/web to node',
      '2026-11-24T10:00:05.000Z Normal Pulled Pod/web: Container image "busybox:1.35" already present',
    ]);
  });

  test('an object that never appeared is reported as not seen', async () => {
    fake = await startFakeApiServer();
    serve('/api/v1/namespaces/ns/pods', [list('1', [])], []);
    const error = (await waitFor(podReady(fake.client(), 'ns', 'ghost'), { timeout: 200 }).catch(
      (e: unknown) => e,
    )) as WaitTimeoutError;
    expect(error.lastState).toEqual(['Pod ns/ghost: not seen (it does not exist)']);
  });
});

describe(
  'waitFor: aborts early when the condition can no longer become true',
  { tags: ['001-FR-023'] },
  () => {
    test.each(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CrashLoopBackOff'])(
      '%s',
      async (reason) => {
        fake = await startFakeApiServer();
        serve(
          '/api/v1/namespaces/ns/pods',
          [list('1', [pod('web', '1', pending)])],
          [
            (send) =>
              setTimeout(
                () =>
                  send(
                    'MODIFIED',
                    pod(
                      'web',
                      '2',
                      waitingWith(reason, { lastState: { terminated: { reason: 'Error', exitCode: 1 } } }),
                    ),
                  ),
                20,
              ),
          ],
        );
        const started = performance.now();
        const error = await waitFor(podReady(fake.client(), 'ns', 'web'), { timeout: 10_000 }).catch(
          (e: unknown) => e,
        );
        expect(performance.now() - started).toBeLessThan(5000);
        expect(error).toBeInstanceOf(WaitImpossibleError);
        expect(error).toMatchObject({ reason, code: 'INCLUSTER_WAIT_IMPOSSIBLE' });
        expect((error as Error).message).toContain(
          `Pod ns/web to be Ready cannot happen: Pod ns/web container app is waiting (${reason}: ${reason} details); last run: terminated (Error, exit 1)`,
        );
      },
    );

    test('the object deleted while waiting', async () => {
      fake = await startFakeApiServer();
      serve(
        '/api/v1/namespaces/ns/pods',
        [list('1', [pod('web', '1', pending)])],
        [(send) => setTimeout(() => send('DELETED', pod('web', '2', pending)), 20)],
      );
      await expect(waitFor(podReady(fake.client(), 'ns', 'web'), { timeout: 10_000 })).rejects.toMatchObject({
        reason: 'Deleted',
      });
    });

    test('a pod unschedulable past its grace period, without any further event', async () => {
      fake = await startFakeApiServer();
      const unschedulable = {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/1 nodes are available: 1 Insufficient cpu.',
          },
        ],
      };
      serve('/api/v1/namespaces/ns/pods', [list('1', [pod('web', '1', unschedulable)])], []);
      const started = performance.now();
      const error = await waitFor(podReady(fake.client(), 'ns', 'web', { unschedulableGraceMs: 150 }), {
        timeout: 10_000,
      }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
      expect(error).toMatchObject({ reason: 'Unschedulable' });
      expect((error as Error).message).toContain('0/1 nodes are available: 1 Insufficient cpu.');
    });

    test('a failed Job', async () => {
      fake = await startFakeApiServer();
      const job = {
        metadata: { name: 'migrate', namespace: 'ns', resourceVersion: '1' },
        spec: { selector: { matchLabels: { 'job-name': 'migrate' } } },
        status: {
          failed: 1,
          conditions: [
            {
              type: 'Failed',
              status: 'True',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
            },
          ],
        },
      };
      serve('/apis/batch/v1/namespaces/ns/jobs', [list('1', [job])], []);
      serve('/api/v1/namespaces/ns/pods', [list('1', [])], []);
      const error = await waitFor(jobComplete(fake.client(), 'ns', 'migrate'), { timeout: 10_000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ reason: 'JobFailed' });
      expect((error as Error).message).toContain(
        'BackoffLimitExceeded: Job has reached the specified backoff limit',
      );
    });

    test("a Deployment whose pods cannot pull their image (other pods in the namespace don't count)", async () => {
      fake = await startFakeApiServer();
      const deployment = {
        metadata: { name: 'api', namespace: 'ns', generation: 1, resourceVersion: '1' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'api' } } },
        status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1 },
      };
      serve('/apis/apps/v1/namespaces/ns/deployments', [list('1', [deployment])], []);
      serve(
        '/api/v1/namespaces/ns/pods',
        [
          list('1', [
            pod('other', '1', waitingWith('CrashLoopBackOff'), { app: 'other' }),
            pod('api-1', '1', pending, { app: 'api' }),
          ]),
        ],
        [
          (send) =>
            setTimeout(
              () => send('MODIFIED', pod('api-1', '2', waitingWith('ErrImagePull'), { app: 'api' })),
              20,
            ),
        ],
      );
      const error = await waitFor(deploymentAvailable(fake.client(), 'ns', 'api'), { timeout: 10_000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ reason: 'ErrImagePull' });
      expect((error as Error).message).toContain('Pod ns/api-1 container app');
    });
  },
);
