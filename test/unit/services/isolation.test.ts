// services.isolation: the config a run's own services are deployed and found with, and the one the
// fixtures read in a runner pod. The real-cluster proof is test/integration/services/isolation.test.ts.
import { describe, expect, test } from 'vitest';
import { configAt } from '../../../src/config/resolve.ts';
import { runnerEnv } from '../../../src/runner/job.ts';
import { fixtureServicesConfig, runServicesConfig } from '../../../src/services/isolation.ts';
import { serviceContracts } from '../../../src/services/registry.ts';

const RUN_NS = 'incluster-run-abc123';

describe('services per run', { tags: ['001-FR-180'] }, () => {
  test('the default is one set of services per cluster', () => {
    expect(configAt('/repo').services.isolation).toBe('cluster');
  });

  test("a run's own services live in its namespace, and every variable names them there", () => {
    const config = configAt('/repo', {
      namespace: 'floe-test',
      redis: { enabled: true },
      services: { isolation: 'run', declared: [{ name: 'search', port: 9200, scheme: 'http' }] },
    });
    const own = runServicesConfig(config, RUN_NS);
    expect(own.namespace).toBe(RUN_NS);
    expect(config.namespace).toBe('floe-test'); // the user's config is left as it was
    const contracts = serviceContracts(own, {
      secrets: new Set(['postgres-credentials', 'redis-credentials']),
    });
    const env = runnerEnv({
      runId: 'abc123',
      namespace: RUN_NS,
      servicesNamespace: own.namespace,
      clusterName: 'floe-test',
      image: 'runner:0123456789abcdef',
      imagePullPolicy: 'Never',
      command: ['npx', 'vitest', 'run'],
      runnerArgs: [],
      shards: 1,
      timeoutSeconds: 60,
      ttlSeconds: 60,
      resources: own.runner.resources,
      artifactsSizeLimit: '1Gi',
      env: [],
      rbac: [],
      services: contracts,
    });
    const value = (name: string) => env.find((variable) => variable.name === name)?.value;
    expect(value('INCLUSTER_NAMESPACE')).toBe(RUN_NS);
    expect(value('PGHOST')).toBe(`postgres.${RUN_NS}.svc.cluster.local`);
    expect(value('REDIS_HOST')).toBe(`redis.${RUN_NS}.svc.cluster.local`);
    expect(value('SEARCH_HOST')).toBe(`search.${RUN_NS}.svc.cluster.local`);
    expect(JSON.stringify(env)).not.toContain('floe-test.svc');
  });
});

describe('fixtures find the run’s services', { tags: ['001-FR-181'] }, () => {
  test('INCLUSTER_NAMESPACE, as the runner sets it, names where the services are', () => {
    const config = configAt('/repo', { namespace: 'floe-test' });
    expect(fixtureServicesConfig(config, { INCLUSTER_NAMESPACE: RUN_NS }).namespace).toBe(RUN_NS);
    expect(fixtureServicesConfig(config, {}).namespace).toBe('floe-test');
    expect(fixtureServicesConfig(config, { INCLUSTER_NAMESPACE: 'floe-test' })).toBe(config);
  });
});

describe('what per-run services cannot honour', { tags: ['001-FR-182'] }, () => {
  test('a chart pinned to another namespace is a usage error naming it', () => {
    const config = configAt('/repo', {
      services: {
        isolation: 'run',
        charts: [
          { release: 'api', chart: 'charts/api' },
          { release: 'search', chart: 'charts/search', namespace: 'search' },
        ],
      },
    });
    let error: unknown;
    try {
      runServicesConfig(config, RUN_NS);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ exitStatus: 2 });
    expect((error as Error).message).toContain(
      'services.charts[1].namespace (search) cannot be used with services.isolation: run',
    );
  });
});
