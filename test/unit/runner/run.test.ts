// The run pipeline on a fake cluster: the phases run in order, the report is built from what they
// returned, and whatever the run created is released newest first, on success, on failure and on
// an interrupt in any phase (FR-017). The real-cluster suites prove the same against a kubelet;
// these pin the order and the bookkeeping, which only a fake can interrupt at every step.
import { PassThrough } from 'node:stream';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { configAt } from '../../../src/config/resolve.ts';
import type { ClusterProvider } from '../../../src/cluster/provider.ts';
import { Status } from '../../../src/progress/status.ts';
import { Interrupts } from '../../../src/interrupt/interrupts.ts';
import { runSuite } from '../../../src/runner/run.ts';
import { startFakeCluster, type FakeCluster } from './fake-cluster.ts';

let cluster: FakeCluster;
afterEach(async () => {
  await cluster?.api.close();
});

/** A Status that interrupts the run the moment a phase whose name starts with `at` begins. */
class InterruptingStatus extends Status {
  readonly started: string[] = [];
  private readonly at: string | undefined;
  private readonly controller: AbortController;
  constructor(at: string | undefined, controller: AbortController) {
    super(new PassThrough(), { interactive: false });
    this.at = at;
    this.controller = controller;
  }
  override start(name: string): void {
    this.started.push(name);
    if (this.at && name.startsWith(this.at)) this.controller.abort(new Error('interrupted by SIGINT'));
    super.start(name);
  }
}

const provider = { name: 'existing' } as unknown as ClusterProvider;

/** What runSuite is given in these tests: the fake cluster, a prebuilt image, no build or load. */
async function suiteOptions(
  signal: AbortSignal,
  status: Status = new Status(new PassThrough(), { interactive: false }),
) {
  // An empty project of its own: the sharded run lists test files under the root, and the shared
  // temp root holds other tests' scratch projects (their files once sent a shard elsewhere).
  const root = await mkdtemp(join(tmpdir(), 'incluster-run-pipeline-'));
  return {
    config: configAt(root, { namespace: 'services' }),
    root,
    status,
    env: {},
    signal,
    provider,
    access: { provider: 'existing' as const, clusterName: 'fake', kubeconfigPath: cluster.api.kubeconfig },
    onLog: () => undefined,
    image: { reference: 'incluster-runner:0123456789abcdef', pullPolicy: 'Never' as const },
  };
}

async function run(options: { interruptAt?: string; keep?: boolean; shards?: number } = {}) {
  cluster = await startFakeCluster();
  const controller = new AbortController();
  const status = new InterruptingStatus(options.interruptAt, controller);
  const result = await runSuite({
    ...(await suiteOptions(controller.signal, status)),
    keep: options.keep,
    shards: options.shards,
  });
  return { result, status };
}

const PHASES = [
  'Creating namespace',
  'Limiting namespace',
  'Granting the runner its RBAC rules',
  'Giving the runner the postgres-credentials Secret',
  'Setting the quota',
  'Creating Job',
  'Running the suite',
  'Merging results',
];

describe('incluster run: the pipeline', { tags: ['001-FR-013', '001-FR-017'] }, () => {
  test('runs its phases in order, then releases what it created, newest first', async () => {
    const { result, status } = await run({ shards: 2 });
    expect(result.exitStatus, result.report.message).toBe(0);
    expect(status.started.map((name) => PHASES.find((p) => name.startsWith(p)) ?? name)).toEqual([
      // Sharded: the files are listed first (here none are found, so the shards go by count).
      'Listing the test files of 2 shards',
      ...PHASES,
      `Deleting namespace ${result.report.namespace}`,
    ]);
    const ns = result.report.namespace;
    expect(cluster.applied).toEqual([
      `/api/v1/namespaces/${ns}`,
      `/api/v1/namespaces/${ns}/limitranges/incluster-run`,
      `/api/v1/namespaces/${ns}/serviceaccounts/incluster-runner`,
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/incluster-runner`,
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/incluster-runner`,
      expect.stringMatching(
        /^\/apis\/rbac.authorization.k8s.io\/v1\/namespaces\/services\/roles\/incluster-runner-/,
      ),
      expect.stringMatching(
        /^\/apis\/rbac.authorization.k8s.io\/v1\/namespaces\/services\/rolebindings\/incluster-runner-/,
      ),
      `/api/v1/namespaces/${ns}/secrets/postgres-credentials`,
      `/api/v1/namespaces/${ns}/resourcequotas/incluster-run`,
      `/apis/batch/v1/namespaces/${ns}/jobs/incluster-runner`,
    ]);
    expect(cluster.deleted).toEqual([...cluster.applied].reverse());
    expect(cluster.objects.has(`/api/v1/namespaces/${ns}`)).toBe(false);
  });

  test('builds the report once, from what the phases returned', async () => {
    const { result } = await run({ shards: 2 });
    const report = JSON.parse(
      await readFile(join(result.dir, 'report.json'), 'utf8'),
    ) as typeof result.report;
    expect(report).toMatchObject({
      outcome: 'passed',
      exitStatus: 0,
      cluster: { serverVersion: 'v1.34.4-fake', name: 'fake' },
      image: { reference: 'incluster-runner:0123456789abcdef', built: false },
      shards: [
        { index: 0, state: 'ended', exitCode: 0, node: 'fake-node', testDurationMs: 1000 },
        { index: 1, state: 'ended', exitCode: 0, node: 'fake-node' },
      ],
    });
    expect(report.phases.map((p) => p.name)).toContain('Merging results');
  });

  for (const [index, phase] of PHASES.entries())
    test(`an interrupt as "${phase}" begins releases exactly what was created before, in reverse`, async () => {
      const { result } = await run({ interruptAt: phase });
      expect(result.exitStatus).toBe(130);
      expect(result.report.outcome).toBe('interrupted');
      // Every phase before this one created what it creates; this one nothing.
      const before = [0, 1, 2, 7, 8, 9, 10, 10][index] ?? 0;
      expect(cluster.applied).toHaveLength(before);
      expect(cluster.deleted).toEqual([...cluster.applied].reverse());
      if (before === 0) expect(result.report.message).toContain('nothing had been created');
      else expect(result.report.message).toContain(`namespace ${result.report.namespace}`);
      // The message names the Job only once there was one to delete.
      if (before >= 10)
        expect(result.report.message).toMatch(/deleted Job \S+\/incluster-runner and its 1 pod/);
      else expect(result.report.message).not.toContain('Job');
      const left = [...cluster.objects.keys()].filter((path) => path.includes(result.report.namespace));
      expect(left).toEqual([]);
    });

  test('an interrupt while an apply is in flight releases that object too', async () => {
    cluster = await startFakeCluster();
    const controller = new AbortController();
    cluster.onApply = (path) => {
      if (path.includes('/rolebindings/')) controller.abort(new Error('interrupted by SIGTERM'));
    };
    const result = await runSuite(await suiteOptions(controller.signal));
    expect(result.exitStatus).toBe(130);
    const ns = result.report.namespace;
    expect(cluster.applied.at(-1)).toBe(
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/incluster-runner`,
    );
    expect(cluster.deleted).toEqual([...cluster.applied].reverse());
  });

  test(
    'while a run holds objects, the interrupt handler can name them and the command that removes them',
    { tags: ['001-FR-133'] },
    async () => {
      cluster = await startFakeCluster();
      const controller = new AbortController();
      const interrupts = new Interrupts();
      let named: string[] = [];
      cluster.onApply = (path) => {
        if (!path.includes('/rolebindings/incluster-runner') || controller.signal.aborted) return;
        named = interrupts.leftovers().map((l) => `${l.what} | ${l.removeWith}`);
        controller.abort(new Error('interrupted by SIGINT'));
      };
      const result = await runSuite({ ...(await suiteOptions(controller.signal)), interrupts });
      expect(result.exitStatus).toBe(130);
      const ns = result.report.namespace;
      expect(named).toEqual([
        expect.stringMatching(
          new RegExp(
            `^namespace ${ns} \\(its LimitRange, ServiceAccount, Role, RoleBinding\\) \\| incluster sweep --run \\S+ --kubeconfig `,
          ),
        ),
      ]);
      expect(interrupts.leftovers(), 'nothing left to name once released').toEqual([]);
    },
  );

  test('with --keep, an interrupt stops the Job and its pods but keeps the namespace', async () => {
    const { result } = await run({ interruptAt: 'Running the suite', keep: true });
    expect(result.exitStatus).toBe(130);
    const ns = result.report.namespace;
    expect(cluster.deleted).toEqual([`/apis/batch/v1/namespaces/${ns}/jobs/incluster-runner`]);
    expect([...cluster.objects.keys()].filter((p) => p.includes(`/namespaces/${ns}/pods/`))).toEqual([]);
    expect(cluster.objects.has(`/api/v1/namespaces/${ns}`)).toBe(true);
  });

  test('a failing phase releases what was created and the report names the failure', async () => {
    cluster = await startFakeCluster();
    cluster.onApply = (path) => {
      if (path.includes('/jobs/')) return 'admission webhook refused the Job';
    };
    const options = await suiteOptions(new AbortController().signal);
    const error = await runSuite({
      ...options,
      runId: '20261201-000000-fail',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(cluster.applied).toHaveLength(9);
    expect(cluster.deleted).toEqual([...cluster.applied].reverse());
    const dir = join(options.root, 'test-results', '20261201-000000-fail');
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
      outcome: string;
      message: string;
    };
    expect(report.outcome).toBe('infrastructure');
    expect(report.message).toContain('admission webhook refused the Job');
  });
});
