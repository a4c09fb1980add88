// Interrupts (FR-017, FR-028): Ctrl-C (SIGINT to the whole process group, as a terminal sends it),
// SIGTERM to the Vitest process alone (as a CI runner cancelling a job does), and SIGKILL, each while
// a test of a nested Vitest run is inside its body holding a namespace from the fixture. Afterwards no
// namespace of that run may remain (the fixture's reaper deletes it even after SIGKILL of the run; with
// the reaper killed too, `incluster sweep` removes it once expired), and
// no process of the run may survive. Then the same for `incluster up` on the existing provider.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { deleted } from '../../src/kube/conditions.ts';
import { waitFor } from '../../src/kube/wait.ts';
import { RUN_ID_LABEL } from '../../src/ownership.ts';
import { runCommand } from '../../src/process/exec.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import {
  alive,
  CLI,
  descendants,
  dropNamespace,
  expectNoStackTrace,
  faultClient,
  hostileRun,
  killStray,
  projectDir,
  spawnNode,
} from './support.ts';

const runIds: string[] = [];

afterEach(async () => {
  killStray();
  // Even when a test failed half-way: no namespace of its runs outlives it.
  const kube = faultClient();
  for (const runId of runIds.splice(0))
    for (const name of await liveNamespacesOf(kube, runId)) await dropNamespace(kube, name);
});

/** Namespaces of a run that are neither gone nor being deleted. */
async function liveNamespacesOf(kube: KubeClient, runId: string): Promise<string[]> {
  const list = await kube.core.listNamespace({ labelSelector: `${RUN_ID_LABEL}=${runId}` });
  return list.items.filter((ns) => !ns.metadata?.deletionTimestamp).map((ns) => ns.metadata!.name!);
}

/** Waits (watched) until every namespace of the run is gone. */
async function allGone(kube: KubeClient, names: string[]): Promise<void> {
  await Promise.all(
    names.map((name) => waitFor(deleted(kube, 'Namespace', undefined, name), { timeout: 120_000 })),
  );
}

/** Starts the hold fixture and resolves once its test body holds a namespace. */
async function holdingRun(config = 'namespace: floe-test\n') {
  const runId = `fault-sig-${randomBytes(3).toString('hex')}`;
  runIds.push(runId);
  const dir = await projectDir(config);
  const child = spawnNode(hostileRun('hold.fixture.ts'), {
    cwd: dir,
    env: { INCLUSTER_RUN_ID: runId },
    detached: true,
  });
  const namespace = (await child.line(/HOSTILE_NAMESPACE=(\S+)/))[1]!;
  const processes = [child.process.pid!, ...(await descendants(child.process.pid!))];
  expect(processes.length, 'the nested run has a worker process').toBeGreaterThan(1);
  return { runId, dir, child, namespace, processes };
}

/**
 * Gives the run's processes 10 s to end (a worker may still be finishing its namespace deletions,
 * bounded at 5 s, after Vitest itself exited), then kills and reports whatever is left. They are
 * not our children, so there is no exit event to wait on: this looks every 100 ms.
 */
async function survivors(processes: number[]): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  while (processes.some(alive) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  const left = processes.filter(alive);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  return left;
}

describe('interrupting a test that holds a fixture namespace', { tags: ['001-FR-028', '001-FR-020'] }, () => {
  const kube = faultClient();

  test('Ctrl-C (SIGINT to the process group): the namespace is deleted, nothing survives', async () => {
    const run = await holdingRun();
    const signalled = Date.now();
    process.kill(-run.child.process.pid!, 'SIGINT');
    await run.child.exited;
    expect(Date.now() - signalled, 'the run took too long to stop').toBeLessThan(30_000);
    expect(await survivors(run.processes)).toEqual([]);
    expect(await liveNamespacesOf(kube, run.runId)).toEqual([]);
    await allGone(kube, [run.namespace]);
  });

  // Vitest's main process exits 1 ms after SIGTERM and its watchdog then SIGKILLs the workers, so
  // the worker's own signal handler never runs: the namespace is deleted by the fixture's reaper.
  test('SIGTERM to the Vitest process alone: the namespace is deleted, nothing survives', async () => {
    const run = await holdingRun();
    let live: string[] = [];
    try {
      const signalled = Date.now();
      run.child.process.kill('SIGTERM');
      await run.child.exited;
      expect(Date.now() - signalled, 'the run took too long to stop').toBeLessThan(30_000);
      expect(await survivors(run.processes), 'processes of the run outlived it').toEqual([]);
      live = await liveNamespacesOf(kube, run.runId);
      expect(live, 'namespaces of the run were left behind').toEqual([]);
    } finally {
      for (const name of live) await dropNamespace(kube, name);
      await allGone(kube, [run.namespace]);
    }
  });

  test("SIGKILL of the run's process group: the fixture's reaper deletes the namespace", async () => {
    const run = await holdingRun();
    process.kill(-run.child.process.pid!, 'SIGKILL');
    await run.child.exited;
    expect(await survivors(run.processes)).toEqual([]);
    expect(await liveNamespacesOf(kube, run.runId)).toEqual([]);
    await allGone(kube, [run.namespace]);
  });

  test('SIGKILL of every process, the reaper too: `incluster sweep` removes the namespace once expired', async () => {
    const run = await holdingRun('namespace: floe-test\nfixtures:\n  namespaceTtl: 2s\n');
    for (const pid of run.processes) process.kill(pid, 'SIGKILL');
    await run.child.exited;
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the 2 s expiry
    expect(await survivors(run.processes)).toEqual([]);
    expect(await liveNamespacesOf(kube, run.runId)).toEqual([run.namespace]);
    // Plain sweep (not --all): only expired incluster namespaces, so the shared cluster's other
    // tests keep theirs.
    const sweep = await runCommand(process.execPath, [CLI, 'sweep', '--json'], {
      cwd: run.dir,
      allowFailure: true,
      timeoutMs: 60_000,
    });
    expect(sweep.exitCode, sweep.stderr).toBe(0);
    expect(sweep.stdout).toContain(run.namespace);
    expect(await liveNamespacesOf(kube, run.runId)).toEqual([]);
    await allGone(kube, [run.namespace]);
  });
});

describe('interrupting incluster up', { tags: ['001-FR-017', '001-FR-028'] }, () => {
  const kube = faultClient();

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    test(`${signal} during up --provider existing: it stops promptly, says so, and leaves no process`, async () => {
      const namespace = `fault-up-${randomBytes(3).toString('hex')}`;
      const dir = await projectDir(`namespace: ${namespace}\n`);
      try {
        const child = spawnNode([CLI, 'up', '--provider', 'existing', '--no-services'], {
          cwd: dir,
          detached: true,
        });
        // Inside a long phase: the DNS check runs a pod in the cluster.
        await child.line(/Checking cluster DNS|Waiting for every node/);
        const processes = [child.process.pid!, ...(await descendants(child.process.pid!))];
        const signalled = Date.now();
        process.kill(-child.process.pid!, signal);
        const { code } = await child.exited;
        expect(Date.now() - signalled, `up took too long to stop:\n${child.stderr()}`).toBeLessThan(15_000);
        expect(child.stderr()).toContain(`${signal} received`);
        // 130, as for every interrupted command, not 3 for whatever the interrupt broke on the way.
        expect(code, child.stderr()).toBe(130);
        expectNoStackTrace(child.stderr());
        expect(await survivors(processes)).toEqual([]);
        // Whatever pod the DNS check started is gone or going.
        const pods = await kube.core.listNamespacedPod({ namespace }).catch(() => ({ items: [] }));
        expect(pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name)).toEqual(
          [],
        );
      } finally {
        await dropNamespace(kube, namespace);
      }
    });
});
