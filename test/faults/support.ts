// Shared helpers of the fault suite: the shared cluster's client, `fault-` namespaces that are always
// deleted, the local cluster's supervisor status (to kill a component by pid), child processes that
// are tracked so none outlives a test, and the checks every fault test repeats.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { isNotFound } from '../../src/kube/api-error.ts';
import type { KubeObject } from '../../src/kube/manifests.ts';
import { createKubeClient, type KubeClient } from '../../src/kube/client.ts';
import { match } from '../../src/kube/conditions.ts';
import { waitFor } from '../../src/kube/wait.ts';
import { runCommand } from '../../src/process/exec.ts';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '../..');
/** The CLI entry point, run with this Node. */
export const CLI = join(ROOT, 'src/cli/main.ts');
/** Vitest's own entry point, for nested runs of the hostile fixture projects. */
export const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
/** The fixture projects of the fault suite. */
export const HOSTILE = join(ROOT, 'test/fixtures/hostile');
/** The one image the cluster has for shell work; never pulled. */
export const BUSYBOX = 'docker.io/library/busybox:1.35';
/** Where the local provider's supervisor records the pid of each component. */
export const SUPERVISOR_STATUS = '/run/incluster/floe-test/supervisor-status.json';

/** A client on the shared cluster (KUBECONFIG, checked by the global setup). */
export function faultClient(): KubeClient {
  return createKubeClient({ kubeconfig: process.env.KUBECONFIG });
}

/** Creates `fault-<what>-<random>`; the caller deletes it with `dropNamespace` in a finally. */
export async function faultNamespace(
  kube: KubeClient,
  what: string,
  labels: Record<string, string> = {},
): Promise<string> {
  const name = `fault-${what}-${randomBytes(3).toString('hex')}`;
  await kube.core.createNamespace({
    body: { metadata: { name, labels: { 'incluster.dev/fault-suite': 'true', ...labels } } },
  });
  // Pods are refused until the controller has made the namespace's default ServiceAccount.
  await waitFor(
    match(kube, 'ServiceAccount', name, 'default', () => true),
    { timeout: 60_000 },
  );
  return name;
}

/** Deletes a namespace without waiting for it to go; a missing one is fine. */
export async function dropNamespace(kube: KubeClient, name: string): Promise<void> {
  await kube.core.deleteNamespace({ name, gracePeriodSeconds: 0 }).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

/** A restricted-compatible busybox pod spec (the fault namespaces may enforce `restricted`). */
export function busyboxPod(name: string, command: string[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      terminationGracePeriodSeconds: 0,
      restartPolicy: 'Never',
      containers: [
        {
          name: 'app',
          image: BUSYBOX,
          imagePullPolicy: 'Never',
          command,
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
          ...extra,
        },
      ],
    },
  };
}

interface ComponentStatus {
  name: string;
  pid: number;
  restarts: number;
  startedAt: number;
}

/** The supervisor's view of one component of the local cluster. */
export async function componentStatus(name: string): Promise<ComponentStatus> {
  const status = JSON.parse(await readFile(SUPERVISOR_STATUS, 'utf8')) as { components: ComponentStatus[] };
  const component = status.components.find((c) => c.name === name);
  if (!component) throw new Error(`${SUPERVISOR_STATUS} has no component ${name}`);
  return component;
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits (bounded) until the supervisor has started `name` again under a pid other than `oldPid`.
 * The status file has no change feed, so this looks every 200 ms; it is the only polling in the suite.
 */
export async function restartedComponent(
  name: string,
  oldPid: number,
  timeoutMs = 60_000,
): Promise<ComponentStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await componentStatus(name).catch(() => undefined);
    if (current && current.pid !== oldPid && alive(current.pid)) return current;
    if (Date.now() > deadline)
      throw new Error(`${name} was not restarted within ${timeoutMs} ms (old pid ${oldPid})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Pids of every descendant of `pid` (from /proc), so a test can prove no child outlived its parent. */
export async function descendants(pid: number): Promise<number[]> {
  const result = await runCommand('ps', ['-e', '-o', 'pid=,ppid='], { allowFailure: true });
  const children = new Map<number, number[]>();
  for (const line of result.stdout.split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (!p || pp === undefined) continue;
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length)
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  return out;
}

/** A child process whose output is collected and whose exit can be awaited. */
export interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves on exit with the code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout/stderr line matching `pattern` (rejects if the child exits first). */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const started = new Set<ChildProcess>();

/** Spawns `node args…` (a CLI or a nested Vitest); `killStray` ends it if a test forgets. */
export function spawnNode(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean } = {},
): Child {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a test can signal the whole group as a terminal's Ctrl-C does.
    detached: options.detached ?? false,
  });
  started.add(child);
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const scan = () => {
    for (const waiter of [...waiters]) {
      const match = (out + '\n' + err).match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    scan();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    scan();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      started.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    line: (pattern, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${out}\n${err}`)),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`exited before printing ${pattern}:\n${out}\n${err}`));
        });
        scan();
      }),
  };
}

/** Ends (SIGKILL) every child a test started and did not see exit; for afterEach. */
export function killStray(): void {
  for (const child of started) if (child.pid && child.exitCode === null) child.kill('SIGKILL');
}

/** A project directory with its own incluster.config.yaml, for nested runs and CLI calls. */
export async function projectDir(config: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fault-project-'));
  await writeFile(join(dir, 'incluster.config.yaml'), config);
  return dir;
}

/** Arguments of a nested Vitest run of one fixture of test/fixtures/hostile. */
export function hostileRun(fixture: string, extra: string[] = []): string[] {
  return [VITEST, 'run', '--config', join(HOSTILE, 'vitest.config.ts'), fixture, ...extra];
}

/** A user-facing error: a message, no JavaScript stack frames. */
export function expectNoStackTrace(stderr: string): void {
  expect(stderr, stderr).not.toMatch(/^\s+at .+[:(]/m);
  expect(stderr).not.toMatch(/node:internal|\.ts:\d+:\d+/);
}
