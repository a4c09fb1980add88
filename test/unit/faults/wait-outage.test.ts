// A wait that starts while the API server is unavailable (FR-021, FR-029): the list answers 503
// more times than one request retries, as during an API server restart. The wait must keep listing
// with backoff and then succeed; a permanent refusal (403) must still fail at once.
import { afterEach, describe, expect, test } from 'vitest';
import { podReady } from '../../../src/kube/conditions.ts';
import { waitFor } from '../../../src/kube/wait.ts';
import { json, startFakeApiServer, startWatch, type FakeApiServer } from '../kube/fake-api-server.ts';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.close();
});

const readyPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'ns', resourceVersion: '7' },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
};

function serveAfterOutage(failures: number, code: number): { lists: () => number } {
  let lists = 0;
  fake.on('GET', '/api/v1/namespaces/ns/pods', (req, res) => {
    if (req.query.get('watch') === 'true') {
      startWatch(res);
      return;
    }
    lists += 1;
    if (lists <= failures)
      json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message: 'unavailable' });
    else
      json(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '7' },
        items: [readyPod],
      });
  });
  return { lists: () => lists };
}

describe('a wait during an API server outage', { tags: ['001-FR-021', '001-FR-029'] }, () => {
  test('lists failing longer than one request retries do not fail the wait', async () => {
    fake = await startFakeApiServer();
    const served = serveAfterOutage(5, 503);
    // Two attempts per request: the outage (5 failed lists) outlasts any single request's retries.
    const pod = await waitFor(podReady(fake.client({ attempts: 2, baseDelayMs: 1 }), 'ns', 'web'), {
      timeout: 20_000,
    });
    expect(pod.metadata.name).toBe('web');
    expect(served.lists()).toBe(6);
  });

  test('a permanent refusal of the list still fails at once', async () => {
    fake = await startFakeApiServer();
    const served = serveAfterOutage(100, 403);
    await expect(
      waitFor(podReady(fake.client({ attempts: 2, baseDelayMs: 1 }), 'ns', 'web'), { timeout: 20_000 }),
    ).rejects.toThrow(/listing Pod in ns: .*403|forbidden|unavailable/i);
    expect(served.lists()).toBe(1);
  });
});
