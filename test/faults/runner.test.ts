// Faults of `incluster run`, through the real CLI on the shared local cluster (FR-012, FR-014,
// FR-015, FR-017): the runner pod deleted mid-run, evicted for overfilling its artifacts volume,
// SIGINT/SIGTERM while the tests run, and what its ServiceAccount may do. The runner engineer's own
// tests (test/integration/runner) cover OOMKilled, a killed test process and a missing image.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isNotFound } from '../../src/kube/api-error.ts';
import type { KubeObject } from '../../src/kube/manifests.ts';
import { observe } from '../../src/kube/watch.ts';
import { runCommand } from '../../src/process/exec.ts';
import {
  alive,
  CLI,
  descendants,
  dropNamespace,
  expectNoStackTrace,
  faultClient,
  HOSTILE,
  killStray,
  spawnNode,
} from './support.ts';

const PROJECT = join(HOSTILE, 'runner');
const kube = faultClient();

afterEach(killStray);

/** Starts `incluster run` in the hostile runner project; resolves once the tests are inside the pod. */
async function startRun(args: string[], waitFor: RegExp) {
  const child = spawnNode([CLI, 'run', '--provider', 'local', ...args], { cwd: PROJECT, detached: true });
  const namespace = (await child.line(/Creating Job (incluster-run-[^/\s]+)\//, 240_000))[1]!;
  await child.line(waitFor, 240_000);
  return { child, namespace };
}

/**
 * Records the earliest sign of an eviction in `namespace`: the kubelet's `Evicted` event (its
 * timestamps have second precision, truncated, so they can only make the eviction look earlier) or the
 * moment our own watch sees a pod's status say Evicted / Failed or gain the DisruptionTarget condition.
 */
function watchEviction(namespace: string, signal: AbortSignal): () => number | undefined {
  let earliest: number | undefined;
  const saw = (at: number) => (earliest = earliest === undefined ? at : Math.min(earliest, at));
  const onPod = (pod: KubeObject) => {
    const status = (pod.status ?? {}) as {
      phase?: string;
      reason?: string;
      conditions?: { type?: string }[];
    };
    if (
      status.reason === 'Evicted' ||
      status.phase === 'Failed' ||
      status.conditions?.some((c) => c.type === 'DisruptionTarget')
    )
      saw(Date.now());
  };
  const onEvent = (event: KubeObject) => {
    const e = event as KubeObject & { reason?: string; eventTime?: string; firstTimestamp?: string };
    if (e.reason !== 'Evicted') return;
    const stamps = [e.eventTime, e.firstTimestamp, e.metadata.creationTimestamp as string | undefined]
      .filter((t): t is string => Boolean(t))
      .map((t) => Date.parse(t));
    if (stamps.length) saw(Math.min(...stamps));
  };
  const ignoreEnd = () => undefined;
  void observe(
    kube,
    { apiVersion: 'v1', kind: 'Pod', namespace },
    { onSync: (pods) => pods.forEach(onPod), onEvent: (_type, pod) => onPod(pod) },
    signal,
  ).catch(ignoreEnd);
  void observe(
    kube,
    { apiVersion: 'v1', kind: 'Event', namespace },
    { onSync: (events) => events.forEach(onEvent), onEvent: (_type, event) => onEvent(event) },
    signal,
  ).catch(ignoreEnd);
  return () => earliest;
}

async function runnerPod(namespace: string) {
  const pods = await kube.core.listNamespacedPod({ namespace });
  const pod = pods.items[0];
  if (!pod) throw new Error(`no runner pod in ${namespace}`);
  return pod;
}

async function nothingLeft(namespace: string): Promise<{ jobs: number; pods: number }> {
  const jobs = await kube.batch.listNamespacedJob({ namespace }).catch(() => ({ items: [] }));
  const pods = await kube.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }));
  return {
    jobs: jobs.items.filter((j) => !j.metadata?.deletionTimestamp).length,
    pods: pods.items.filter((p) => !p.metadata?.deletionTimestamp).length,
  };
}

describe('incluster run under faults', () => {
  test(
    'the runner pod is deleted mid-run: exit 3 naming PodDeleted within 10 s, the report written',
    { tags: ['001-FR-015', '001-FR-014'] },
    async () => {
      const { child, namespace } = await startRun(['--', '--mode=slow'], /\[shard 0\] sleeping/);
      try {
        const pod = await runnerPod(namespace);
        const at = Date.now();
        await kube.core.deleteNamespacedPod({ namespace, name: pod.metadata!.name!, gracePeriodSeconds: 0 });
        // The reason is named within 10 s of the deletion (the line arrives as soon as it is known).
        await child.line(/was deleted before its tests ended/, 10_000);
        expect(Date.now() - at).toBeLessThan(10_000);
        const { code } = await child.exited;
        const output = child.stdout() + child.stderr();
        expect(code, output).toBe(3);
        expectNoStackTrace(child.stderr());
        const dir = /results: (\S+)/.exec(output)?.[1];
        expect(dir, output).toBeDefined();
        const report = JSON.parse(await readFile(join(dir!, 'report.json'), 'utf8')) as {
          reason?: string;
          exitStatus: number;
        };
        expect(report.exitStatus).toBe(3);
        expect(report.reason, JSON.stringify(report)).toBe('PodDeleted');
        expect(output).toContain(`${pod.metadata!.name!} was deleted before its tests ended`);
      } finally {
        await dropNamespace(kube, namespace);
      }
    },
  );

  test(
    'the runner pod is evicted (artifacts emptyDir over its sizeLimit): exit 3 naming Evicted within 10 s',
    { tags: ['001-FR-015'] },
    async () => {
      const child = spawnNode(
        [CLI, 'run', '--provider', 'local', '--config', join(PROJECT, 'evict.config.yaml')],
        { cwd: PROJECT, detached: true },
      );
      const namespace = (await child.line(/Creating Job (incluster-run-[^/\s]+)\//, 240_000))[1]!;
      const watching = new AbortController();
      // Watched from the moment the namespace exists: a pod first seen already evicted would be
      // stamped late, making the bound looser than it is.
      const evictedAt = watchEviction(namespace, watching.signal);
      try {
        const { code } = await child.exited;
        const exitedAt = Date.now();
        const output = child.stdout() + child.stderr();
        expect(code, output).toBe(3);
        expect(output).toMatch(/reason: Evicted/);
        expect(output).toMatch(/was evicted: Usage of EmptyDir volume/);
        expectNoStackTrace(child.stderr());
        const at = evictedAt();
        expect(at, `no eviction was seen in ${namespace}:\n${output}`).toBeDefined();
        expect(exitedAt - at!, `exit ${exitedAt - at!} ms after the eviction:\n${output}`).toBeLessThan(
          10_000,
        );
      } finally {
        watching.abort();
        await dropNamespace(kube, namespace);
      }
    },
  );

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    test(
      `${signal} during incluster run: no Job, pod or child process is left`,
      { tags: ['001-FR-017'] },
      async () => {
        const { child, namespace } = await startRun(['--', '--mode=slow'], /\[shard 0\] sleeping/);
        try {
          const processes = [child.process.pid!, ...(await descendants(child.process.pid!))];
          const at = Date.now();
          process.kill(-child.process.pid!, signal);
          const { code } = await child.exited;
          const output = child.stdout() + child.stderr();
          expect(code, output).toBe(130);
          expect(Date.now() - at).toBeLessThan(30_000);
          expect(output).toMatch(/deleted Job .*incluster-runner/);
          expectNoStackTrace(child.stderr());
          expect(processes.filter(alive)).toEqual([]);
          expect(await nothingLeft(namespace)).toEqual({ jobs: 0, pods: 0 });
          const ns = await kube.core.readNamespace({ name: namespace }).catch((error: unknown) => {
            if (isNotFound(error)) return undefined;
            throw error;
          });
          expect(
            ns === undefined || ns.metadata?.deletionTimestamp !== undefined,
            `namespace ${namespace} is still active`,
          ).toBe(true);
        } finally {
          await dropNamespace(kube, namespace);
        }
      },
    );

  test(
    'the runner is admitted under restricted PSS and its ServiceAccount cannot read other Secrets or list namespaces',
    { tags: ['001-FR-012'] },
    async () => {
      const { child, namespace } = await startRun(['--keep', '--', '--mode=slow'], /\[shard 0\] sleeping/);
      try {
        const ns = await kube.core.readNamespace({ name: namespace });
        expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
        const pod = await runnerPod(namespace);
        expect(pod.status?.phase).toBe('Running');
        const sa = `system:serviceaccount:${namespace}:${pod.spec!.serviceAccountName!}`;
        // The namespace really enforces it: a privileged pod is refused there.
        const refused = await kube.core
          .createNamespacedPod({
            namespace,
            body: {
              metadata: { name: 'privileged' },
              spec: {
                containers: [
                  {
                    name: 'c',
                    image: 'docker.io/library/busybox:1.35',
                    securityContext: { privileged: true },
                  },
                ],
              },
            },
          })
          .then(
            () => 'admitted',
            (error: unknown) => {
              const body = (error as { body?: unknown }).body;
              return typeof body === 'string'
                ? (JSON.parse(body) as { message: string }).message
                : String(error);
            },
          );
        expect(refused).toMatch(/violates PodSecurity "restricted/);
        // `kubectl auth can-i --as` is a SelfSubjectAccessReview made while impersonating the SA.
        const can = async (...args: string[]) => {
          const result = await runCommand('kubectl', ['auth', 'can-i', '--as', sa, ...args], {
            allowFailure: true,
            timeoutMs: 30_000,
          });
          return result.stdout.trim() || `(exit ${result.exitCode}) ${result.stderr.trim()}`;
        };
        expect(await can('get', 'secrets', '-n', 'floe-test')).toBe('no');
        expect(await can('list', 'secrets', '-n', 'default')).toBe('no');
        expect(await can('list', 'namespaces')).toBe('no');
        expect(await can('create', 'pods', '-n', namespace)).toBe('no');
        // The check itself can say yes: what the default rules grant, in its namespace and the services'.
        expect(await can('list', 'pods', '-n', namespace)).toBe('yes');
        expect(await can('list', 'pods', '-n', 'floe-test')).toBe('yes');
      } finally {
        process.kill(-child.process.pid!, 'SIGINT');
        await child.exited;
        await dropNamespace(kube, namespace);
      }
    },
  );
});
