// Helm charts on the real cluster, the way `up` and `down` handle them: helm built once from the Go
// module proxy (cached by version), the chart rendered offline first, installed with its values
// file and --set values and waited for, upgraded in place by a second `up`, and uninstalled by
// `down` before the provider's own teardown. A chart that does not render exits 2.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { deployServices, tearDown } from '../../../src/cluster/lifecycle.ts';
import type { ClusterAccess, ClusterProvider, ProviderContext } from '../../../src/cluster/provider.ts';
import { configAt } from '../../../src/config/resolve.ts';
import { isNotFound } from '../../../src/kube/api-error.ts';
import { Status } from '../../../src/progress/status.ts';
import { kube } from './support.ts';

const ROOT = join(import.meta.dirname, '../../..');
const namespace = `incluster-it-helm-${randomBytes(3).toString('hex')}`;
const access: ClusterAccess = {
  provider: 'local',
  clusterName: 'floe-test',
  kubeconfigPath: process.env.KUBECONFIG ?? '',
};
const chart = {
  release: 'greeter',
  chart: 'test/fixtures/services/chart',
  values: ['test/fixtures/services/chart/ci-values.yaml'],
  set: { owner: 'ci' },
};
const scratch: string[] = [];

function contextFor(data: Record<string, unknown>): ProviderContext {
  return {
    config: configAt(ROOT, { namespace, services: { manifests: [], ...data } }),
    root: ROOT,
    status: new Status(new PassThrough(), { interactive: false }),
    signal: new AbortController().signal,
    env: process.env,
    artifactsDir: join(ROOT, 'test-results'),
  };
}

async function helmReleaseSecrets(): Promise<string[]> {
  const list = await kube.core.listNamespacedSecret({ namespace, labelSelector: 'owner=helm,name=greeter' });
  return list.items.map((secret) => secret.metadata?.name ?? '');
}

afterAll(async () => {
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

describe('Helm charts', { tags: ['001-FR-086'] }, () => {
  test(
    'up installs a chart with its values and waits until ready; a second up upgrades it in place',
    { timeout: 900_000 },
    async () => {
      const ctx = contextFor({ charts: [chart] });
      expect(await deployServices(kube, ctx, 180_000, [], access)).toEqual(['HelmRelease/greeter']);
      const settings = await kube.core.readNamespacedConfigMap({ namespace, name: 'greeter-settings' });
      expect(settings.data).toEqual({ greeting: 'hello-from-the-values-file', owner: 'ci' });
      const deployment = await kube.apps.readNamespacedDeployment({ namespace, name: 'greeter' });
      expect(deployment.status?.readyReplicas).toBe(1);
      expect(await helmReleaseSecrets()).toEqual(['sh.helm.release.v1.greeter.v1']);

      await deployServices(kube, ctx, 180_000, [], access);
      expect((await helmReleaseSecrets()).sort()).toEqual([
        'sh.helm.release.v1.greeter.v1',
        'sh.helm.release.v1.greeter.v2',
      ]);
    },
  );

  test('down uninstalls the release before the provider tears down', async () => {
    // A provider whose teardown only records what was still installed when it was called: the
    // cluster stays, so the order is observed on the real release, not assumed from the result.
    const seenAtTeardown: string[][] = [];
    const provider = {
      name: 'local',
      access: () => Promise.resolve(access),
      down: async () => {
        seenAtTeardown.push(await helmReleaseSecrets());
      },
    } as unknown as ClusterProvider;
    expect((await helmReleaseSecrets()).length).toBeGreaterThan(0); // installed by the test above
    await tearDown(provider, contextFor({ charts: [chart] }));
    expect(seenAtTeardown).toEqual([[]]);
    expect(await helmReleaseSecrets()).toEqual([]);
    const gone = await kube.apps.readNamespacedDeployment({ namespace, name: 'greeter' }).then(
      () => false,
      (error: unknown) => isNotFound(error),
    );
    expect(gone).toBe(true);
    // Nothing installed any more: a second down is no error.
    await tearDown(provider, contextFor({ charts: [chart] }));
  });

  test('a chart that does not render exits 2 before anything is installed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-bad-chart-'));
    scratch.push(dir);
    await cp(join(ROOT, chart.chart), dir, { recursive: true });
    await writeFile(join(dir, 'templates/broken.yaml'), 'data: {{ .Values.nothing.deeper }}\n');
    const ctx = contextFor({ charts: [{ release: 'broken', chart: dir }] });
    const error = await deployServices(kube, ctx, 60_000, [], access).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitStatus: 2 });
    expect((error as Error).message).toMatch(/does not render: .*nil pointer|does not render/);
    const list = await kube.core.listNamespacedSecret({ namespace, labelSelector: 'owner=helm,name=broken' });
    expect(list.items).toEqual([]);
  });
});
