import { afterEach, describe, expect, test } from 'vitest';
import { streamLogs } from '../../../src/kube/logs.ts';
import { json, startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.close();
});

describe('following logs', { tags: ['001-FR-013'] }, () => {
  test('resumes a follow stream the server closed early, without repeating or losing lines', async () => {
    fake = await startFakeApiServer();
    const pod = (phase: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'runner', namespace: 'ns', resourceVersion: '1' },
      spec: { containers: [{ name: 'app' }], restartPolicy: 'Never' },
      status: {
        phase,
        containerStatuses: [
          {
            name: 'app',
            ready: true,
            restartCount: 0,
            image: 'x',
            imageID: '',
            state: phase === 'Running' ? { running: {} } : { terminated: { exitCode: 0 } },
          },
        ],
      },
    });
    let reads = 0;
    fake.on('GET', '/api/v1/namespaces/ns/pods', (_req, res) =>
      json(res, 200, { kind: 'PodList', metadata: { resourceVersion: '1' }, items: [pod('Running')] }),
    );
    // After the first stream ends the pod still runs (so we resume); after the second it has finished.
    fake.on('GET', '/api/v1/namespaces/ns/pods/runner', (_req, res) =>
      json(res, 200, pod(++reads === 1 ? 'Running' : 'Succeeded')),
    );
    const logRequests: URLSearchParams[] = [];
    fake.on('GET', '/api/v1/namespaces/ns/pods/runner/log', (req, res) => {
      logRequests.push(req.query);
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (logRequests.length === 1) {
        res.end('2026-11-24T10:00:01.100000000Z line 1\n2026-11-24T10:00:02.200000000Z line 2\n');
      } else {
        // sinceTime has second precision: the server repeats line 2's second.
        res.end(
          '2026-11-24T10:00:02.200000000Z line 2\n2026-11-24T10:00:02.700000000Z line 3\n2026-11-24T10:00:03.000000000Z line 4\n',
        );
      }
    });
    const lines: string[] = [];
    await streamLogs(fake.client(), 'ns', 'runner', { container: 'app', onLine: (line) => lines.push(line) });
    expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect(logRequests).toHaveLength(2);
    expect(logRequests[0]!.get('follow')).toBe('true');
    expect(logRequests[0]!.get('timestamps')).toBe('true');
    expect(logRequests[0]!.get('sinceTime')).toBeNull();
    expect(logRequests[1]!.get('sinceTime')).toBe('2026-11-24T10:00:02Z');
  });
});
