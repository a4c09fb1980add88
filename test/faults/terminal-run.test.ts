// Ctrl-C typed into a real terminal while `incluster run` runs, on the shared local cluster (FR-131,
// FR-130): the spinner runs, the terminal's line discipline sends SIGINT to the CLI's process group,
// and afterwards nothing of the run may remain: no namespace, Job, pod, Role or RoleBinding labelled
// with its run id, no Secret copy, no process it started.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { deleted } from '../../src/kube/conditions.ts';
import { waitFor } from '../../src/kube/wait.ts';
import { RUN_ID_LABEL } from '../../src/ownership.ts';
import { startInTerminal, type TerminalSession } from '../support/terminal.ts';
import { alive, CLI, descendants, dropNamespace, expectNoStackTrace, faultClient, ROOT } from './support.ts';

const kube = faultClient();
const prefix = `ti-${randomBytes(2).toString('hex')}`;
/** The services' namespace of these runs: its Secret is copied into each run, its Role granted. */
const services = `${prefix}-services`;
const SECRET = 'interrupt-token';
const runId = (phase: string) => `${prefix}-${phase}`;
const PHASES = ['follow'] as const;
let project: string;
const sessions: TerminalSession[] = [];

beforeAll(async () => {
  await kube.core.createNamespace({ body: { metadata: { name: services } } });
  await kube.core.createNamespacedSecret({
    namespace: services,
    body: { metadata: { name: SECRET }, stringData: { token: 'not-a-real-token' } },
  });
  // The runner fixture's project (its image is built once and shared with the other runner tests),
  // with this file's services' namespace and a variable read from its Secret.
  project = await mkdtemp(join(tmpdir(), 'incluster-terminal-run-'));
  const suite = join(ROOT, 'test/fixtures/runner/suite');
  await writeFile(
    join(project, 'incluster.config.yaml'),
    `cluster:
  name: floe-test
namespace: ${services}
runner:
  dockerfile: ${join(ROOT, 'testing/Dockerfile')}
  context: ${suite}
  image: incluster-runner-fixture
  command: [sh, -c, 'node run-tests.mjs "$@"; exit $?', run-tests]
  timeout: 5m
  ttlAfterFinished: 5m
  resources:
    requests: { cpu: 50m, memory: 64Mi }
    limits: { cpu: '1', memory: 128Mi }
  artifactsSizeLimit: 64Mi
  env:
    INTERRUPT_TOKEN: { valueFrom: { secretKeyRef: { name: ${SECRET}, key: token } } }
`,
  );
});

afterEach(() => {
  for (const session of sessions.splice(0)) session.kill();
});

afterAll(async () => {
  await dropNamespace(kube, services);
  for (const phase of PHASES) await sweepRun(runId(phase));
});

/** Starts `incluster run` under a terminal with the given run id and runner arguments. */
async function runInTerminal(id: string, runnerArgs: string[] = []): Promise<TerminalSession> {
  const session = await startInTerminal(
    [process.execPath, CLI, 'run', '--provider', 'local', '--run-id', id, '--', ...runnerArgs],
    { cwd: project },
  );
  sessions.push(session);
  return session;
}

/** Everything of the run still in the cluster (terminating objects count as gone). */
async function leftOf(id: string): Promise<string[]> {
  const labelSelector = `${RUN_ID_LABEL}=${id}`;
  const live = <T extends { metadata?: { name?: string; namespace?: string; deletionTimestamp?: Date } }>(
    kind: string,
    items: T[],
  ) =>
    items
      .filter((item) => !item.metadata?.deletionTimestamp)
      .map((item) => `${kind} ${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`);
  const [namespaces, roles, bindings, jobs, pods, secrets] = await Promise.all([
    kube.core.listNamespace({ labelSelector }),
    kube.rbac.listRoleForAllNamespaces({ labelSelector }),
    kube.rbac.listRoleBindingForAllNamespaces({ labelSelector }),
    kube.batch.listJobForAllNamespaces({ labelSelector }),
    kube.core.listPodForAllNamespaces({ labelSelector }),
    kube.core.listSecretForAllNamespaces({ labelSelector }),
  ]);
  return [
    ...live('Namespace', namespaces.items),
    ...live('Role', roles.items),
    ...live('RoleBinding', bindings.items),
    ...live('Job', jobs.items),
    ...live('Pod', pods.items),
    ...live('Secret', secrets.items),
  ];
}

/** Removes whatever a failed test left, so the next one starts clean. */
async function sweepRun(id: string): Promise<void> {
  const namespace = `incluster-run-${id}`;
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  for (const name of [`incluster-runner-${id}`]) {
    await kube.rbac.deleteNamespacedRole({ name, namespace: services }).catch(() => undefined);
    await kube.rbac.deleteNamespacedRoleBinding({ name, namespace: services }).catch(() => undefined);
  }
}

/**
 * Types Ctrl-C while `step` runs (its status line shown, its end line with the duration not yet),
 * then checks what a person would see and what the cluster and machine keep: exit 130 within 60 s,
 * the interrupt and the removal said, no stack trace, no process of the run, and nothing labelled
 * with its run id.
 */
async function interruptAndCheck(session: TerminalSession, id: string, step: string): Promise<string> {
  const shown = await session.text();
  expect(shown, 'the step has started').toContain(step);
  expect(shown, 'the step has not ended yet').not.toContain(`${step} (`);
  const processes = [session.process.pid!, ...(await descendants(session.process.pid!))];
  const typed = Date.now();
  session.ctrlC();
  const status = await session.exited;
  const text = await session.text();
  expect(status, text).toBe(130);
  expect(Date.now() - typed, `it took too long to stop:\n${text}`).toBeLessThan(60_000);
  expect(text).toContain('SIGINT received, cleaning up (send again to stop at once)');
  expect(text).toMatch(new RegExp(`run ${id} interrupted: (deleted|nothing had been created)`));
  expectNoStackTrace(text);
  expect(await session.raw(), 'the spinner ran (the cursor was hidden)').toContain('\u001B[?25l');
  expect(processes.filter(alive), `processes of the run still alive:\n${text}`).toEqual([]);
  await waitFor(deleted(kube, 'Namespace', undefined, `incluster-run-${id}`), { timeout: 120_000 });
  expect(await leftOf(id), text).toEqual([]);
  return text;
}

describe('Ctrl-C at a terminal during incluster run', { tags: ['001-FR-131', '001-FR-130'] }, () => {
  test('while the tests run (the spinner turning): the Job, its pod and the namespace are deleted', async () => {
    const id = runId('follow');
    const session = await runInTerminal(id, ['--mode=slow']);
    await session.waitFor(/\[shard 0\] sleeping/);
    const text = await interruptAndCheck(session, id, 'Running the suite in 1 pod');
    expect(text).toMatch(new RegExp(`deleted Job incluster-run-${id}/incluster-runner and its 1 pod`));
  });
});
