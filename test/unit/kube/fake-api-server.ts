// A scripted stand-in for the Kubernetes API server, for unit tests of the client layer: routes by
// method and path, records every request, and lets a test stream watch events by hand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubeClient, type KubeClient } from '../../../src/kube/client.ts';
import type { RetryOptions } from '../../../src/kube/retry.ts';
import { Redactor } from '../../../src/redaction/redactor.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

/** A fake API server on 127.0.0.1 with a kubeconfig pointing at it. */
export interface FakeApiServer {
  url: string;
  kubeconfig: string;
  requests: RecordedRequest[];
  /** Adds a route; the newest matching route wins. */
  on(method: string, path: string | RegExp, handler: Handler): void;
  client(retry?: RetryOptions): KubeClient;
  close(): Promise<void>;
}

/** Starts a fake API server with discovery for core/v1, apps/v1, batch/v1 and discovery.k8s.io/v1. */
export async function startFakeApiServer(): Promise<FakeApiServer> {
  const routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      open.add(res);
      res.on('close', () => open.delete(res));
      const route = [...routes]
        .reverse()
        .find(
          (r) =>
            r.method === recorded.method &&
            (typeof r.path === 'string' ? r.path === recorded.path : r.path.test(recorded.path)),
        );
      if (!route) {
        json(res, 404, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          message: `no route for ${recorded.method} ${recorded.path}`,
          code: 404,
        });
        return;
      }
      void Promise.resolve(route.handler(recorded, res)).catch((error: unknown) =>
        json(res, 500, { message: String(error) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'incluster-fake-api-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: fake, cluster: { server: "${url}", insecure-skip-tls-verify: true } }]
users: [{ name: fake, user: { token: fake-token } }]
contexts: [{ name: fake, context: { cluster: fake, user: fake } }]
current-context: fake
`,
  );
  const fake: FakeApiServer = {
    url,
    kubeconfig,
    requests,
    on(method, path, handler) {
      routes.push({ method, path, handler });
    },
    client(retry = { baseDelayMs: 1, maxDelayMs: 5 }) {
      return createKubeClient({ kubeconfig, env: {}, retry, redactor: new Redactor() });
    },
    async close() {
      for (const res of open) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const discovery: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
    '/api/v1': [
      { name: 'pods', kind: 'Pod', namespaced: true },
      { name: 'services', kind: 'Service', namespaced: true },
      { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
      { name: 'secrets', kind: 'Secret', namespaced: true },
      { name: 'events', kind: 'Event', namespaced: true },
      { name: 'namespaces', kind: 'Namespace', namespaced: false },
      { name: 'nodes', kind: 'Node', namespaced: false },
      { name: 'pods/log', kind: 'Pod', namespaced: true },
    ],
    '/apis/apps/v1': [
      { name: 'deployments', kind: 'Deployment', namespaced: true },
      { name: 'statefulsets', kind: 'StatefulSet', namespaced: true },
      { name: 'daemonsets', kind: 'DaemonSet', namespaced: true },
    ],
    '/apis/batch/v1': [{ name: 'jobs', kind: 'Job', namespaced: true }],
    '/apis/discovery.k8s.io/v1': [{ name: 'endpointslices', kind: 'EndpointSlice', namespaced: true }],
    '/apis/rbac.authorization.k8s.io/v1': [{ name: 'clusterroles', kind: 'ClusterRole', namespaced: false }],
  };
  for (const [path, resources] of Object.entries(discovery))
    fake.on('GET', path, (_req, res) =>
      json(res, 200, { kind: 'APIResourceList', groupVersion: path.replace(/^\/apis?\//, ''), resources }),
    );
  fake.on('GET', /^\/api\/v1\/namespaces\/[^/]+\/events$/, (_req, res) =>
    json(res, 200, { kind: 'EventList', apiVersion: 'v1', metadata: {}, items: [] }),
  );
  return fake;
}

/** Writes a JSON response. */
export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Starts a streamed watch response; returns a function that sends one event line. */
export function startWatch(res: ServerResponse): (type: string, object: unknown) => void {
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  return (type, object) => res.write(`${JSON.stringify({ type, object })}\n`);
}

/** A Status body as the API server sends it. */
export function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}
