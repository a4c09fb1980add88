// Helm charts in the config and the helm command lines: paths absolute at load, values in order,
// a bounded wait, the kubeconfig `up` made, and helm built from its Go module with its version.
import { describe, expect, test } from 'vitest';
import { configAt } from '../../../src/config/resolve.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { goBuildFlags, goProgramDir } from '../../../src/cluster/host/go-build.ts';
import { HELM_VERSION } from '../../../src/cluster/versions.ts';
import { chartNamespace, HELM_PROGRAM, helmBinDir, installArgs } from '../../../src/services/helm.ts';

describe('Helm charts in the config', { tags: ['001-FR-086'] }, () => {
  test('chart and values paths are absolute; the namespace defaults to the services one', () => {
    const config = configAt('/repo', {
      services: { charts: [{ release: 'api', chart: 'charts/api', values: ['ci.yaml'], set: { a: '1' } }] },
    });
    const chart = config.services.charts[0]!;
    expect(chart).toMatchObject({ chart: '/repo/charts/api', values: ['/repo/ci.yaml'], set: { a: '1' } });
    expect(chartNamespace(chart, config)).toBe('floe-test');
    expect(chartNamespace({ ...chart, namespace: 'other' }, config)).toBe('other');
  });

  test('a release name that is not a DNS label is refused', () => {
    for (const release of ['API', 'a_b', 'x'.repeat(54)])
      expect(configSchema.safeParse({ services: { charts: [{ release, chart: 'c' }] } }).success).toBe(false);
  });

  test('install is an upgrade --install with values in order, --set, the kubeconfig and a wait', () => {
    const chart = { release: 'api', chart: '/c', values: ['/a.yaml', '/b.yaml'], set: { 'img.tag': 'v1' } };
    expect(installArgs(chart, 'ns', { kubeconfigPath: '/k', context: 'ctx' }, 90_500)).toEqual([
      'upgrade',
      '--install',
      'api',
      '/c',
      '--namespace',
      'ns',
      '--create-namespace',
      '--kubeconfig',
      '/k',
      '--kube-context',
      'ctx',
      '--values',
      '/a.yaml',
      '--values',
      '/b.yaml',
      '--set',
      'img.tag=v1',
      '--wait',
      '--timeout',
      '91s',
    ]);
  });

  test('without a kubeconfig helm uses its in-cluster configuration', () => {
    const args = installArgs(
      { release: 'a', chart: '/c', values: [], set: {} },
      'ns',
      { kubeconfigPath: '' },
      1000,
    );
    expect(args).not.toContain('--kubeconfig');
    expect(args).not.toContain('--kube-context');
  });

  test('helm is built from its Go module, stamped with its version, cached by version and flags', () => {
    expect(HELM_PROGRAM).toMatchObject({ version: `v${HELM_VERSION}`, source: { kind: 'install' } });
    expect(HELM_PROGRAM.binaries.helm).toBe('helm.sh/helm/v3/cmd/helm');
    expect(goBuildFlags(HELM_PROGRAM).join(' ')).toContain(`internal/version.version=v${HELM_VERSION}`);
    expect(helmBinDir('/cache')).toBe(goProgramDir('/cache', HELM_PROGRAM));
    expect(helmBinDir('/cache')).toMatch(new RegExp(`^/cache/helm/v${HELM_VERSION}/[0-9a-f]{16}$`));
  });
});
