// A kustomize overlay on the real cluster, deployed the way `up` deploys services: rendered by
// `kubectl kustomize` (the generated ConfigMap, its hashed name followed by the Deployment, the patch
// and the prefix all exist), applied and waited until ready.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { deployServices } from '../../../src/cluster/lifecycle.ts';
import type { ProviderContext } from '../../../src/cluster/provider.ts';
import { configAt } from '../../../src/config/resolve.ts';
import { loadManifests } from '../../../src/kube/manifests.ts';
import { Status } from '../../../src/progress/status.ts';
import { kube } from './support.ts';

const ROOT = join(import.meta.dirname, '../../..');
const OVERLAY = join(ROOT, 'test/fixtures/services/kustomize/overlay');
const namespace = `incluster-it-kustomize-${randomBytes(3).toString('hex')}`;

afterAll(async () => {
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

describe('kustomize directories', { tags: ['001-FR-085'] }, () => {
  test('an overlay is rendered before it is applied, and up waits for it', async () => {
    const config = configAt(ROOT, { namespace, services: { manifests: [OVERLAY] } });
    const ctx = {
      config,
      root: ROOT,
      status: new Status(new PassThrough(), { interactive: false }),
      signal: new AbortController().signal,
    } as unknown as ProviderContext;
    const applied = await deployServices(kube, ctx, 120_000);
    const configMap = applied.find((name) => name.startsWith('ConfigMap/test-echo-settings-'));
    expect(configMap, applied.join(', ')).toMatch(/^ConfigMap\/test-echo-settings-[a-z0-9]{10}$/);
    expect(applied).toEqual(expect.arrayContaining(['Service/test-echo', 'Deployment/test-echo']));
    const deployment = await kube.apps.readNamespacedDeployment({ namespace, name: 'test-echo' });
    expect(deployment.metadata?.annotations?.['incluster.dev/overlay']).toBe('applied');
    expect(deployment.metadata?.labels?.['app.kubernetes.io/part-of']).toBe('kustomize-fixture');
    expect(deployment.status?.readyReplicas).toBe(1);
    // The objects name the kustomization they came from.
    const objects = await loadManifests([OVERLAY]);
    expect(new Set(objects.map((o) => o.source.file))).toEqual(new Set([`${OVERLAY} (kustomize)`]));
  });
});
