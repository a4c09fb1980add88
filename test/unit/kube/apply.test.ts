import { afterEach, describe, expect, test } from 'vitest';
import { UsageError } from '../../../src/errors.ts';
import { applyManifests, deleteObjects } from '../../../src/kube/apply.ts';
import { parseManifests } from '../../../src/kube/manifests.ts';
import { json, startFakeApiServer, status, type FakeApiServer } from './fake-api-server.ts';

let fake: FakeApiServer;
afterEach(async () => {
  await fake?.close();
});

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata: { name: extra }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api }
spec: { template: { spec: { containers: [{ name: app, image: "app:1.0" }] } } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: pinned }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
`;

describe('server-side apply', { tags: ['001-FR-027'] }, () => {
  test('PATCHes apply-patch+yaml with our field manager and force, injecting the namespace where needed', async () => {
    fake = await startFakeApiServer();
    fake.on('PATCH', /.*/, (req, res) => json(res, 200, JSON.parse(req.body) as unknown));
    const result = await applyManifests(fake.client(), parseManifests(MANIFESTS, 'svc.yaml'), {
      namespace: 'test-ns',
    });
    const patches = fake.requests.filter((r) => r.method === 'PATCH');
    // Namespaces first, then RBAC/config, then workloads.
    expect(patches.map((p) => p.path)).toEqual([
      '/api/v1/namespaces/extra',
      '/api/v1/namespaces/pinned/configmaps/settings',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/reader',
      '/apis/apps/v1/namespaces/test-ns/deployments/api',
    ]);
    for (const patch of patches) {
      expect(patch.headers['content-type']).toBe('application/apply-patch+yaml');
      expect(patch.query.get('fieldManager')).toBe('incluster');
      expect(patch.query.get('force')).toBe('true');
    }
    expect((JSON.parse(patches[3]!.body) as { metadata: { namespace: string } }).metadata.namespace).toBe(
      'test-ns',
    );
    expect(
      (JSON.parse(patches[2]!.body) as { metadata: { namespace?: string } }).metadata.namespace,
    ).toBeUndefined();
    expect(result.applied).toHaveLength(4);
    // The Deployment's image has no pull policy: flagged before anything was applied (FR-005).
    expect(result.warnings.map((w) => w.problem)).toEqual(['has no explicit imagePullPolicy']);
    // Discovery is asked once per group/version.
    expect(fake.requests.filter((r) => r.path === '/api/v1').length).toBe(1);
  });

  test('an unknown kind is a usage error naming the file, document and kind', async () => {
    fake = await startFakeApiServer();
    const objects = parseManifests(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: typo }\n',
      'svc.yaml',
    );
    fake.on('PATCH', /.*/, (req, res) => json(res, 200, JSON.parse(req.body) as unknown));
    const error = await applyManifests(fake.client(), objects, { namespace: 'n' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      'svc.yaml (document 2, line 5): the cluster does not know kind Deploymnet in apiVersion apps/v1',
    );
    const unknownGroup = parseManifests(
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n',
      'crd.yaml',
    );
    await expect(applyManifests(fake.client(), unknownGroup)).rejects.toThrow(
      'crd.yaml (document 1, line 1): the cluster does not know kind Widget in apiVersion example.com/v1',
    );
  });

  test('an object the server rejects is a usage error naming the file and the server message', async () => {
    fake = await startFakeApiServer();
    fake.on('PATCH', /.*/, (_req, res) =>
      json(
        res,
        422,
        status(422, 'Invalid', 'Deployment.apps "api" is invalid: spec.selector: Required value'),
      ),
    );
    const error = await applyManifests(
      fake.client(),
      parseManifests(MANIFESTS.split('---\n')[1]!, 'svc.yaml'),
      { namespace: 'n' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      'svc.yaml (document 1, line 1): applying Deployment n/api: 422 Invalid: Deployment.apps "api" is invalid: spec.selector: Required value',
    );
  });

  test('deleteObjects deletes in reverse dependency order and ignores what is already gone', async () => {
    fake = await startFakeApiServer();
    fake.on('DELETE', /.*/, (req, res) =>
      req.path.includes('configmaps')
        ? json(res, 404, status(404, 'NotFound', 'gone'))
        : json(res, 200, { kind: 'Status', status: 'Success' }),
    );
    const deleted = await deleteObjects(fake.client(), parseManifests(MANIFESTS, 'svc.yaml'), {
      namespace: 'test-ns',
    });
    expect(deleted).toEqual(['Deployment/test-ns/api', 'ClusterRole/reader', 'Namespace/extra']);
    expect(JSON.parse(fake.requests.find((r) => r.method === 'DELETE')!.body)).toMatchObject({
      propagationPolicy: 'Background',
    });
  });
});
