// A small stateful cluster on the fake API server, for the run pipeline's unit tests: it stores
// what is applied, lists and (idly) watches it, deletes it (a Namespace with everything in it),
// answers the run's reads, and plays the Job controller by creating one finished pod per shard the
// moment a Job is applied. Every apply and delete is recorded, in order.
import { json, startFakeApiServer, startWatch, status, type FakeApiServer } from '../kube/fake-api-server.ts';

/** The fake cluster, its stored objects by path, and the order of applies and deletes. */
export interface FakeCluster {
  api: FakeApiServer;
  objects: Map<string, Record<string, unknown>>;
  /** Paths applied (PATCH), in order. */
  applied: string[];
  /** Paths deleted (DELETE of one object), in order. */
  deleted: string[];
  /** Called with each PATCH path before it is stored: a test can interrupt there, or refuse it (403). */
  onApply?: (path: string) => string | void;
}

const SERVICES_NAMESPACE = 'services';

/** Starts the fake cluster with a services namespace holding the PostgreSQL Secret. */
export async function startFakeCluster(): Promise<FakeCluster> {
  const api = await startFakeApiServer();
  const cluster: FakeCluster = { api, objects: new Map(), applied: [], deleted: [] };
  const { objects } = cluster;
  objects.set('/api/v1/namespaces/kube-system', meta('kube-system', undefined, { uid: 'fake-cluster-uid' }));
  objects.set(`/api/v1/namespaces/${SERVICES_NAMESPACE}`, meta(SERVICES_NAMESPACE));
  objects.set(`/api/v1/namespaces/${SERVICES_NAMESPACE}/secrets/postgres-credentials`, {
    ...meta('postgres-credentials', SERVICES_NAMESPACE),
    type: 'Opaque',
    data: {
      username: Buffer.from('app').toString('base64'),
      password: Buffer.from('s3cret').toString('base64'),
    },
  });

  api.on('PATCH', /.*/, (req, res) => {
    const refusal = cluster.onApply?.(req.path);
    if (refusal) {
      json(res, 403, status(403, 'Forbidden', refusal));
      return;
    }
    const object = JSON.parse(req.body) as Record<string, unknown>;
    cluster.applied.push(req.path);
    objects.set(req.path, { ...object, metadata: { ...(object.metadata as object), resourceVersion: '1' } });
    if (object.kind === 'Job') startShards(cluster, object);
    json(res, 200, objects.get(req.path));
  });
  api.on('DELETE', /.*/, (req, res) => {
    if (req.query.get('labelSelector')) {
      const selector = req.query.get('labelSelector') ?? '';
      for (const [path, object] of objects)
        if (path.startsWith(`${req.path}/`) && labelsMatch(object, selector)) objects.delete(path);
      json(res, 200, { kind: 'Status', status: 'Success' });
      return;
    }
    if (!objects.has(req.path)) {
      json(res, 404, status(404, 'NotFound', `${req.path} not found`));
      return;
    }
    cluster.deleted.push(req.path);
    objects.delete(req.path);
    const namespace = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(req.path)?.[1];
    if (namespace)
      for (const path of objects.keys()) if (path.includes(`/namespaces/${namespace}/`)) objects.delete(path);
    json(res, 200, { kind: 'Status', status: 'Success' });
  });
  api.on('GET', /.*/, (req, res) => {
    if (req.query.get('watch') === 'true') {
      startWatch(res); // idle: the lists already tell the whole story
      return;
    }
    if (req.path.endsWith('/log')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('2026-12-01T00:00:00.000000000Z ✓ a test\n');
      return;
    }
    const object = objects.get(req.path);
    if (object) {
      json(res, 200, object);
      return;
    }
    const items = [...objects]
      .filter(([path]) => isDirectChild(req.path, path))
      .map(([, o]) => o)
      .filter((o) => fieldsMatch(o, req.query.get('fieldSelector') ?? ''))
      .filter((o) => labelsMatch(o, req.query.get('labelSelector') ?? ''));
    if (items.length === 0 && !isCollection(req.path)) {
      json(res, 404, status(404, 'NotFound', `${req.path} not found`));
      return;
    }
    json(res, 200, { kind: 'List', metadata: { resourceVersion: '1' }, items });
  });
  // Registered last: the newest matching route wins over the catch-all ones above.
  api.on('GET', '/api/v1', (_req, res) =>
    json(res, 200, {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        { name: 'pods', kind: 'Pod', namespaced: true },
        { name: 'secrets', kind: 'Secret', namespaced: true },
        { name: 'events', kind: 'Event', namespaced: true },
        { name: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
        { name: 'limitranges', kind: 'LimitRange', namespaced: true },
        { name: 'resourcequotas', kind: 'ResourceQuota', namespaced: true },
        { name: 'namespaces', kind: 'Namespace', namespaced: false },
        { name: 'nodes', kind: 'Node', namespaced: false },
      ],
    }),
  );
  api.on('GET', '/apis/batch/v1', (_req, res) =>
    json(res, 200, {
      kind: 'APIResourceList',
      groupVersion: 'batch/v1',
      resources: [{ name: 'jobs', kind: 'Job', namespaced: true }],
    }),
  );
  api.on('GET', '/apis/rbac.authorization.k8s.io/v1', (_req, res) =>
    json(res, 200, {
      kind: 'APIResourceList',
      groupVersion: 'rbac.authorization.k8s.io/v1',
      resources: [
        { name: 'roles', kind: 'Role', namespaced: true },
        { name: 'rolebindings', kind: 'RoleBinding', namespaced: true },
      ],
    }),
  );
  api.on('GET', '/version', (_req, res) => json(res, 200, { gitVersion: 'v1.34.4-fake' }));
  api.on('GET', '/api/v1/nodes', (_req, res) =>
    json(res, 200, { kind: 'NodeList', metadata: {}, items: [] }),
  );
  return cluster;
}

/** The Job controller's part: one pod per completion index, its tests already ended with exit 0. */
function startShards(cluster: FakeCluster, job: Record<string, unknown>): void {
  const { name, namespace } = job.metadata as { name: string; namespace: string };
  const completions = (job.spec as { completions?: number }).completions ?? 1;
  for (let index = 0; index < completions; index += 1) {
    const pod = `${name}-${index}-fake`;
    cluster.objects.set(`/api/v1/namespaces/${namespace}/pods/${pod}`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod,
        namespace,
        resourceVersion: '1',
        labels: { 'job-name': name },
        annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
      },
      spec: { nodeName: 'fake-node', restartPolicy: 'Never' },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'tests',
            state: {
              terminated: {
                exitCode: 0,
                reason: 'Completed',
                startedAt: '2026-12-01T00:00:00Z',
                finishedAt: '2026-12-01T00:00:01Z',
              },
            },
          },
          { name: 'artifacts', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      },
    });
  }
}

function meta(
  name: string,
  namespace?: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { metadata: { name, namespace, resourceVersion: '1', ...extra } };
}

/** True when `path` is one object directly inside the collection `collection`. */
function isDirectChild(collection: string, path: string): boolean {
  return path.startsWith(`${collection}/`) && !path.slice(collection.length + 1).includes('/');
}

/** A collection path: `/api/v1/namespaces`, `/api/v1/namespaces/ns/pods`, `/apis/g/v/namespaces/ns/jobs`. */
function isCollection(path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts.slice(3);
  return rest.length === 1 || (rest[0] === 'namespaces' && rest.length === 3);
}

function fieldsMatch(object: Record<string, unknown>, selector: string): boolean {
  const name = /metadata\.name=([^,]+)/.exec(selector)?.[1];
  const reason = /reason=([^,]+)/.exec(selector)?.[1];
  return (
    (!name || (object.metadata as { name?: string }).name === name) && (!reason || object.reason === reason)
  );
}

function labelsMatch(object: Record<string, unknown>, selector: string): boolean {
  const labels = (object.metadata as { labels?: Record<string, string> }).labels ?? {};
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [key, value] = term.split('=');
      return labels[key ?? ''] === value;
    });
}
