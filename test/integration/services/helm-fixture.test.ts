// The helm fixture on the real cluster: a chart installed into the test's own namespace with its
// values, ready when the fixture resolves, and gone with the namespace.
import { describe, expect } from 'vitest';
import { clusterTest as test } from '../../../src/vitest/test.ts';

describe('the helm fixture', { tags: ['001-FR-086'] }, () => {
  test('installs a chart into the test namespace and waits until it is ready', async ({
    helm,
    kube,
    namespace,
  }) => {
    const release = await helm({
      chart: 'test/fixtures/services/chart',
      values: ['test/fixtures/services/chart/ci-values.yaml'],
      set: { owner: 'fixture' },
    });
    expect(release).toEqual({ release: 'chart', namespace });
    const settings = await kube.core.readNamespacedConfigMap({ namespace, name: 'chart-settings' });
    expect(settings.data).toEqual({ greeting: 'hello-from-the-values-file', owner: 'fixture' });
    const deployment = await kube.apps.readNamespacedDeployment({ namespace, name: 'chart' });
    expect(deployment.status?.readyReplicas).toBe(1);
  });
});
