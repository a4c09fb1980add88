// The API server dies while a wait is watching (FR-021/022/023, FR-029): the supervisor restarts it
// within seconds; the wait must ride out the outage (its watch resumes from the last resourceVersion)
// and then either succeed or fail with the reason that is actually true, not "connection refused".
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyManifests } from '../../src/kube/apply.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { match, podReady } from '../../src/kube/conditions.ts';
import type { KubeObject } from '../../src/kube/manifests.ts';
import { waitFor, WaitImpossibleError } from '../../src/kube/wait.ts';
import {
  alive,
  busyboxPod,
  componentStatus,
  dropNamespace,
  faultClient,
  faultNamespace,
  restartedComponent,
} from './support.ts';

/** Resolves true when a TCP connection to the API server's port is refused (the process is gone). */
function refused(server: string): Promise<boolean> {
  const url = new URL(server);
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 443) });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * The supervisor doubles its restart delay (up to 15 s) for a component that ran under 60 s, which
 * would stall everyone sharing the cluster: only kill one that has run a minute, so it is back in ~1 s.
 */
async function apiServerSettled(kube: KubeClient): Promise<void> {
  const { startedAt } = await componentStatus('kube-apiserver');
  const remaining = startedAt + 61_000 - Date.now();
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
  await kube.ping(AbortSignal.timeout(30_000));
}

/** Kills kube-apiserver with SIGKILL, proves it is down, and returns its old pid. */
async function killApiServer(kube: KubeClient): Promise<{ pid: number; at: number }> {
  const { pid } = await componentStatus('kube-apiserver');
  process.kill(pid, 'SIGKILL');
  const at = Date.now();
  // SIGKILL is delivered asynchronously: the listening socket closes when the process is gone.
  for (let i = 0; i < 50 && alive(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(alive(pid), `kube-apiserver ${pid} survived SIGKILL`).toBe(false);
  expect(await refused(kube.server), 'the API server still accepts connections after SIGKILL').toBe(true);
  return { pid, at };
}

/** The pod with a volume added to its spec. */
function withVolume(pod: KubeObject, volume: Record<string, unknown>): KubeObject {
  const spec = pod.spec as { volumes?: unknown[] };
  return { ...pod, spec: { ...spec, volumes: [...(spec.volumes ?? []), volume] } };
}

const running = (kube: KubeClient, ns: string, name: string) =>
  match<KubeObject & { status?: { phase?: string } }>(
    kube,
    'Pod',
    ns,
    name,
    (p) => p.status?.phase === 'Running',
  );

describe(
  'the API server restarts during a wait',
  { tags: ['001-FR-021', '001-FR-022', '001-FR-023', '001-FR-029'] },
  () => {
    let kube: KubeClient;
    let ns: string;
    beforeAll(async () => {
      kube = faultClient();
      ns = await faultNamespace(kube, 'apiserver');
    });
    afterAll(async () => {
      await kube.ping(AbortSignal.timeout(60_000)).catch(() => undefined);
      await dropNamespace(kube, ns);
    });

    test('a podReady wait resumes after the outage and succeeds', async () => {
      await apiServerSettled(kube);
      // Ready ~12 s after start, long enough for the outage to fall inside the wait.
      await applyManifests(
        kube,
        [
          busyboxPod('late', ['sh', '-c', 'sleep 12; touch /tmp/ready; sleep 3600'], {
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
          }),
        ],
        { namespace: ns },
      );
      await waitFor(running(kube, ns, 'late'), { timeout: 60_000 });
      const waiting = waitFor(podReady(kube, ns, 'late'), { timeout: 120_000 });
      const outcome = waiting.then(
        (pod) => ({ pod, at: Date.now() }),
        (error: unknown) => ({ error }),
      );
      const killed = await killApiServer(kube);
      const back = await restartedComponent('kube-apiserver', killed.pid);
      const result = await outcome;
      expect('error' in result ? String(result.error) : '').toBe('');
      const { pod, at } = result as { pod: KubeObject; at: number };
      expect(back.pid).not.toBe(killed.pid);
      expect(at).toBeGreaterThan(killed.at);
      const ready = (
        pod.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] }
      ).conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
      // The pod turned Ready after the kill: the wait saw it through the resumed watch, not its first list.
      expect(Date.parse(ready!.lastTransitionTime!)).toBeGreaterThanOrEqual(
        Math.floor(killed.at / 1000) * 1000,
      );
    });

    test('a wait whose pod fails while the API server is down fails with PodFailed, not a connection error', async () => {
      await apiServerSettled(kube);
      // The container exits the moment the test says so, through a host directory: right after the
      // kill, so its failure falls inside the outage, which the test then checks it did.
      const trigger = await mkdtemp(join(tmpdir(), 'incluster-fault-trigger-'));
      await chmod(trigger, 0o755);
      try {
        await applyManifests(
          kube,
          [
            busyboxPod('doomed', ['sh', '-c', 'until [ -e /trigger/go ]; do sleep 0.1; done; exit 3'], {
              readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 },
              volumeMounts: [{ name: 'trigger', mountPath: '/trigger', readOnly: true }],
            }),
          ].map((pod) =>
            withVolume(pod, { name: 'trigger', hostPath: { path: trigger, type: 'Directory' } }),
          ),
          { namespace: ns },
        );
        await waitFor(running(kube, ns, 'doomed'), { timeout: 60_000 });
        const waiting = waitFor(podReady(kube, ns, 'doomed'), { timeout: 120_000 });
        const outcome = waiting.then(
          () => new Error('the wait succeeded for a pod that cannot become Ready'),
          (error: unknown) => error,
        );
        const killed = await killApiServer(kube);
        await writeFile(join(trigger, 'go'), '');
        await restartedComponent('kube-apiserver', killed.pid);
        await kube.ping(AbortSignal.timeout(60_000));
        const backAt = Date.now();
        const error = await outcome;
        expect(error, String(error)).toBeInstanceOf(WaitImpossibleError);
        expect((error as WaitImpossibleError).reason).toBe('PodFailed');
        expect((error as WaitImpossibleError).message).toMatch(/the pod failed without becoming Ready/);
        expect((error as WaitImpossibleError).lastState.join('\n')).toMatch(/exit(ed| code)?\D*3|Error/i);
        // The container ended while the API server was down (the kubelet's finishedAt).
        const pod = await kube.core.readNamespacedPod({ namespace: ns, name: 'doomed' });
        const finishedAt = Date.parse(
          String(pod.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt),
        );
        expect(finishedAt, 'the container has not ended').not.toBeNaN();
        expect(finishedAt).toBeGreaterThanOrEqual(Math.floor(killed.at / 1000) * 1000);
        // finishedAt is cut to the second: the container ended before finishedAt + 1 s.
        expect(finishedAt + 1000, 'the container ended after the API server was back').toBeLessThanOrEqual(
          backAt,
        );
      } finally {
        await rm(trigger, { recursive: true, force: true });
      }
    });
  },
);
