// A run's fair share of a shared cluster without a cluster: quantities, what pods ask for once the
// LimitRange's defaults apply, the quota `auto` sets, and the runs refused at once because they
// cannot be scheduled or do not fit their quota. The real cluster's refusals are proven in
// test/integration/runner/fair-share.test.ts.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { configAt } from '../../../src/config/resolve.ts';
import { formatBytes, formatCpu, parseQuantity } from '../../../src/kube/quantity.ts';
import { Status } from '../../../src/progress/status.ts';
import { limitRange, podResources, quotaHard } from '../../../src/runner/fair-share.ts';
import { runnerJob, type RunnerSpec } from '../../../src/runner/job.ts';
import type { KubeObject } from '../../../src/kube/manifests.ts';
import { fitRunnerPods } from '../../../src/runner/phases/fair-share.ts';
import type { ClusterFacts } from '../../../src/runner/phases/inspect-cluster.ts';
import type { RunContext } from '../../../src/runner/run-context.ts';

const DEFAULTS = configAt('/repo').runner.limitRange;

describe('quantities', { tags: ['001-FR-187'] }, () => {
  test('read as Kubernetes writes them, and written back', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('512Mi')).toBe(512 * 2 ** 20);
    expect(parseQuantity('2G')).toBe(2e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12 cores')).toBeUndefined();
    expect(formatCpu(0.75)).toBe('750m');
    expect(formatCpu(2)).toBe('2');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1536Mi');
  });
});

describe('what pods ask for', { tags: ['001-FR-187', '001-FR-188'] }, () => {
  test("a container's own resources, else its limits, else the LimitRange's defaults; init containers apart", () => {
    const pod = podResources(
      {
        containers: [
          { resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } } },
          { resources: { limits: { cpu: '500m', memory: '64Mi' } } },
          {},
        ],
        initContainers: [{ resources: { requests: { cpu: '3' } } }],
      },
      DEFAULTS,
    );
    expect(quotaHard(pod)).toEqual({
      'requests.cpu': '3', // the init container asks for more than the three together
      'requests.memory': '448Mi', // 256Mi + 64Mi + the default 128Mi
      'limits.cpu': '3500m', // 2 + 500m + the default 1
      'limits.memory': '1600Mi', // 1Gi + 64Mi + the default 512Mi
      pods: '1',
    });
  });

  test('the LimitRange gives containers that set nothing the configured defaults', () => {
    expect(limitRange({ namespace: 'ns', runId: 'r' }, DEFAULTS).spec).toEqual({
      limits: [
        {
          type: 'Container',
          defaultRequest: { cpu: '100m', memory: '128Mi' },
          default: { cpu: '1', memory: '512Mi' },
        },
      ],
    });
  });

  test('every container of the runner pod sets requests and limits', () => {
    const job = runnerJob(spec(1));
    const containers = (job.spec as { template: { spec: { containers: { resources: object }[] } } }).template
      .spec.containers;
    for (const container of containers)
      expect(container.resources).toMatchObject({
        requests: { cpu: expect.any(String) as unknown, memory: expect.any(String) as unknown },
        limits: { cpu: expect.any(String) as unknown, memory: expect.any(String) as unknown },
      });
  });
});

function spec(shards: number): RunnerSpec {
  return {
    runId: 'r',
    namespace: 'incluster-run-r',
    servicesNamespace: 'floe-test',
    clusterName: 'c',
    image: 'runner:0123456789abcdef',
    imagePullPolicy: 'Never',
    command: ['npx', 'vitest', 'run'],
    runnerArgs: [],
    shards,
    timeoutSeconds: 60,
    ttlSeconds: 60,
    resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    artifactsSizeLimit: '1Gi',
    env: [],
    rbac: [],
    services: [],
  };
}

/** A run context as fitRunnerPods reads it, recording what it applies. */
function context(quota: unknown) {
  const applied: KubeObject[] = [];
  const config = configAt('/repo', { runner: { quota } });
  const ctx = {
    options: {
      config,
      signal: new AbortController().signal,
      status: new Status(new PassThrough(), { interactive: false }),
    },
    runId: 'r',
    namespace: 'incluster-run-r',
    ownServices: false,
    ledger: {
      apply: (objects: KubeObject[]) => {
        applied.push(...objects);
        return Promise.resolve();
      },
    },
  } as unknown as RunContext;
  return { ctx, applied };
}

const cluster = (capacity: ClusterFacts['capacity']) => ({ capacity }) as ClusterFacts;

describe('whether the Job can run', { tags: ['001-FR-187', '001-FR-189'] }, () => {
  test('quota auto: exactly what its shards ask for, runner and holder containers', async () => {
    const { ctx, applied } = context('auto');
    await fitRunnerPods(ctx, cluster([{ name: 'n1', cpu: 2, memory: 8 * 2 ** 30 }]), spec(3));
    expect(applied.map((o) => o.kind)).toEqual(['ResourceQuota']);
    expect((applied[0]!.spec as { hard: object }).hard).toEqual({
      'requests.cpu': '1530m', // 3 × (500m + the holder's 10m)
      'requests.memory': '816Mi', // 3 × (256Mi + 16Mi)
      'limits.cpu': '4500m', // 3 × (1 + 500m)
      'limits.memory': '3264Mi', // 3 × (1Gi + 64Mi)
      pods: '3',
    });
  });

  test('a runner pod larger than any node is refused at once, naming the numbers', async () => {
    const { ctx, applied } = context('auto');
    const facts = cluster([
      { name: 'small', cpu: 0.25, memory: 8 * 2 ** 30 },
      { name: 'tight', cpu: 4, memory: 200 * 2 ** 20 },
    ]);
    await expect(fitRunnerPods(ctx, facts, spec(1))).rejects.toMatchObject({
      exitStatus: 3,
      reason: 'Unschedulable',
      message:
        'each runner pod asks for cpu 510m and memory 272Mi, more than any node can give (the largest, tight: cpu 4, memory 200Mi allocatable)',
    });
    expect(applied).toEqual([]);
  });

  test('a Job larger than the configured quota is a usage error naming runner.quota', async () => {
    const { ctx } = context({ 'requests.cpu': '1', 'limits.memory': '8Gi', pods: '10' });
    await expect(
      fitRunnerPods(ctx, cluster([{ name: 'n1', cpu: 8, memory: 32 * 2 ** 30 }]), spec(2)),
    ).rejects.toMatchObject({
      exitStatus: 2,
      message:
        'runner.quota is too small for the run: its 2 runner pods need requests.cpu 1020m, and the quota leaves requests.cpu 1',
    });
  });

  test('quota none sets nothing; a cluster whose nodes cannot be listed is not judged', async () => {
    const { ctx, applied } = context('none');
    await fitRunnerPods(ctx, cluster([]), spec(64));
    expect(applied).toEqual([]);
  });
});
