import { describe, expect } from 'vitest';
import { applyManifests } from '../../../src/kube/apply.ts';
import {
  daemonSetReady,
  deleted,
  deploymentAvailable,
  jobComplete,
  jobFinished,
  match,
  namespaceWorkloadsReady,
  nodeReady,
  podReady,
  serviceHasEndpoints,
  statefulSetReady,
} from '../../../src/kube/conditions.ts';
import { waitFor, WaitImpossibleError, WaitTimeoutError } from '../../../src/kube/wait.ts';
import { clusterTest as test } from '../../../src/vitest/test.ts';
import { jobOf, podOf, serviceOf, workloadOf } from './objects.ts';

describe('kube waits on a real cluster', { tags: ['001-FR-021'] }, () => {
  test.concurrent('podReady, then deleted', async ({ kube, namespace }) => {
    await applyManifests(kube, [podOf('web', { ready: true })], { namespace });
    const pod = await waitFor(podReady(kube, namespace, 'web'), { timeout: 60_000 });
    expect(pod.metadata.name).toBe('web');
    await kube.core.deleteNamespacedPod({ namespace, name: 'web', gracePeriodSeconds: 0 });
    await waitFor(deleted(kube, 'Pod', namespace, 'web'), { timeout: 60_000 });
  });

  test.concurrent('deploymentAvailable and serviceHasEndpoints', async ({ kube, namespace }) => {
    await applyManifests(kube, [workloadOf('Deployment', 'api', 2), serviceOf('api', 'api')], { namespace });
    const deployment = await waitFor(deploymentAvailable(kube, namespace, 'api'), { timeout: 90_000 });
    expect((deployment.status as { availableReplicas?: number }).availableReplicas).toBe(2);
    // Both replicas behind the Service: the endpoints can trail the Deployment's status.
    const addresses = await waitFor(serviceHasEndpoints(kube, namespace, 'api', { atLeast: 2 }), {
      timeout: 30_000,
    });
    expect(addresses).toHaveLength(2);
  });

  test.concurrent('statefulSetReady and daemonSetReady', async ({ kube, namespace }) => {
    await applyManifests(kube, [workloadOf('StatefulSet', 'db'), workloadOf('DaemonSet', 'agent')], {
      namespace,
    });
    await waitFor(statefulSetReady(kube, namespace, 'db'), { timeout: 90_000 });
    const ds = await waitFor(daemonSetReady(kube, namespace, 'agent'), { timeout: 90_000 });
    expect((ds.status as { numberReady?: number }).numberReady).toBeGreaterThanOrEqual(1);
  });

  test.concurrent(
    'jobComplete, and jobFinished telling success from failure',
    async ({ kube, namespace }) => {
      await applyManifests(kube, [jobOf('ok', ['true']), jobOf('bad', ['sh', '-c', 'exit 3'])], {
        namespace,
      });
      await waitFor(jobComplete(kube, namespace, 'ok'), { timeout: 90_000 });
      const finished = await waitFor(jobFinished(kube, namespace, 'bad'), { timeout: 90_000 });
      expect(finished.succeeded).toBe(false);
    },
  );

  test.concurrent('nodeReady and match on any kind', async ({ kube, namespace }) => {
    const nodes = await kube.core.listNode();
    await waitFor(nodeReady(kube, nodes.items[0]!.metadata!.name!), { timeout: 10_000 });
    await applyManifests(
      kube,
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flag' }, data: { state: 'off' } }],
      { namespace },
    );
    const waiting = waitFor(
      match<{ data?: Record<string, string> }>(
        kube,
        'ConfigMap',
        namespace,
        'flag',
        (cm) => cm.data?.state === 'on',
      ),
      { timeout: 30_000 },
    );
    await applyManifests(
      kube,
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flag' }, data: { state: 'on' } }],
      { namespace },
    );
    expect((await waiting).data).toEqual({ state: 'on' });
  });

  test.concurrent(
    'namespaceWorkloadsReady through the deploy fixture',
    async ({ kube, namespace, deploy }) => {
      await deploy([workloadOf('Deployment', 'front'), jobOf('seed', ['true'])], { timeoutMs: 90_000 });
      const ready = await waitFor(namespaceWorkloadsReady(kube, namespace), { timeout: 5_000 });
      expect(ready.sort()).toEqual([`Deployment ${namespace}/front`, `Job ${namespace}/seed`]);
    },
  );
});

describe('kube waits abort early on the real cluster', { tags: ['001-FR-023'] }, () => {
  test.concurrent('an image that is not on the node and may not be pulled', async ({ kube, namespace }) => {
    await applyManifests(
      kube,
      [podOf('ghost', { image: 'docker.io/library/does-not-exist:1.0', pullPolicy: 'Never' })],
      { namespace },
    );
    const error = await waitFor(podReady(kube, namespace, 'ghost'), { timeout: 120_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitImpossibleError);
    expect((error as WaitImpossibleError).reason).toBe('ErrImageNeverPull');
    expect((error as WaitImpossibleError).elapsedMs).toBeLessThan(60_000);
  });

  test.concurrent('an image that does not exist in any registry', async ({ kube, namespace }) => {
    await applyManifests(kube, [podOf('ghost', { image: 'docker.io/library/does-not-exist:1.0' })], {
      namespace,
    });
    const error = await waitFor(podReady(kube, namespace, 'ghost'), { timeout: 170_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitImpossibleError);
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain((error as WaitImpossibleError).reason);
  });

  test.concurrent('a container that crashes, with its exit status', async ({ kube, namespace }) => {
    await applyManifests(
      kube,
      [podOf('crash', { command: ['sh', '-c', 'echo boom; exit 7'], ready: false })],
      { namespace },
    );
    const error = await waitFor(podReady(kube, namespace, 'crash'), { timeout: 150_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ reason: 'CrashLoopBackOff' });
    expect((error as Error).message).toContain('exit 7');
  });

  test.concurrent('a Deployment whose pods cannot start', async ({ kube, namespace }) => {
    const bad = workloadOf('Deployment', 'broken');
    (
      bad.spec as { template: { spec: { containers: { image: string; imagePullPolicy: string }[] } } }
    ).template.spec.containers[0]!.image = 'docker.io/library/nope:0.0';
    (
      bad.spec as { template: { spec: { containers: { imagePullPolicy: string }[] } } }
    ).template.spec.containers[0]!.imagePullPolicy = 'Never';
    await applyManifests(kube, [bad], { namespace });
    await expect(
      waitFor(deploymentAvailable(kube, namespace, 'broken'), { timeout: 120_000 }),
    ).rejects.toMatchObject({ reason: 'ErrImageNeverPull' });
  });

  test.concurrent('a failed Job', async ({ kube, namespace }) => {
    await applyManifests(kube, [jobOf('fail', ['sh', '-c', 'exit 1'])], { namespace });
    await expect(waitFor(jobComplete(kube, namespace, 'fail'), { timeout: 120_000 })).rejects.toMatchObject({
      reason: 'JobFailed',
    });
  });

  test.concurrent('an unschedulable pod after its grace period', async ({ kube, namespace }) => {
    await applyManifests(
      kube,
      [podOf('nowhere', { nodeSelector: { 'incluster.dev/no-such-node': 'true' } })],
      { namespace },
    );
    const error = await waitFor(podReady(kube, namespace, 'nowhere', { unschedulableGraceMs: 3000 }), {
      timeout: 60_000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'Unschedulable' });
    expect((error as Error).message).toMatch(
      /didn't match Pod's node affinity\/selector|node\(s\) didn't match/,
    );
  });

  test.concurrent('the object deleted while waiting', async ({ kube, namespace }) => {
    await applyManifests(kube, [podOf('doomed', { ready: false })], { namespace });
    const waiting = waitFor(podReady(kube, namespace, 'doomed'), { timeout: 60_000 });
    await waitFor(
      match(kube, 'Pod', namespace, 'doomed', () => true),
      { timeout: 30_000 },
    );
    await kube.core.deleteNamespacedPod({ namespace, name: 'doomed', gracePeriodSeconds: 0 });
    await expect(waiting).rejects.toMatchObject({ reason: 'Deleted' });
  });
});

describe('a wait that times out on the real cluster', { tags: ['001-FR-022'] }, () => {
  test.concurrent(
    'names the object, the elapsed time, the last state and its events',
    async ({ kube, namespace }) => {
      await applyManifests(kube, [podOf('never-ready', { ready: false })], { namespace });
      await waitFor(
        match(
          kube,
          'Pod',
          namespace,
          'never-ready',
          (pod: { status?: { phase?: string } }) => pod.status?.phase === 'Running',
        ),
        { timeout: 60_000 },
      );
      const error = await waitFor(podReady(kube, namespace, 'never-ready'), { timeout: 4000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(WaitTimeoutError);
      const message = (error as Error).message;
      expect(message).toMatch(
        new RegExp(`^timed out after 4\\.\\ds waiting for Pod ${namespace}/never-ready to be Ready\\n`),
      );
      expect(message).toContain(`Pod ${namespace}/never-ready: phase Running`);
      expect(message).toContain('Ready=False (ContainersNotReady');
      expect(message).toContain('container app: running, restarts 0');
      expect(message).toMatch(/recent events:\n.*Scheduled Pod\/never-ready/);
      expect(message).toMatch(/Unhealthy Pod\/never-ready: Readiness probe failed/);
    },
  );
});
