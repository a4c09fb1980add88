// Ctrl-C typed into a real terminal while `incluster run` is in each of its phases, on the shared
// local cluster (FR-131, FR-130): the spinner runs, the terminal's line discipline sends SIGINT to
// the CLI's process group, and afterwards nothing of the run may remain: no namespace, Job, pod,
// Role or RoleBinding labelled with its run id, no Secret copy, no process it started. Phases that
// take milliseconds are hit exactly with a real fault: an admission webhook that holds the phase's
// create request (test/support/admission-hold.ts) until the interrupt has been typed.
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { deleted } from '../../src/kube/conditions.ts';
import { waitFor } from '../../src/kube/wait.ts';
import { localLayout } from '../../src/cluster/providers/local/layout.ts';
import { RUN_ID_LABEL } from '../../src/ownership.ts';
import { runCommand } from '../../src/process/exec.ts';
import { startAdmissionHold, type AdmissionHold, type HeldRequest } from '../support/admission-hold.ts';
import { startInTerminal, type TerminalSession } from '../support/terminal.ts';
import { alive, CLI, descendants, dropNamespace, expectNoStackTrace, faultClient, ROOT } from './support.ts';

const kube = faultClient();
const prefix = `ti-${randomBytes(2).toString('hex')}`;
/** The services' namespace of these runs: its Secret is copied into each run, its Role granted. */
const services = `${prefix}-services`;
const SECRET = 'interrupt-token';
const runId = (phase: string) => `${prefix}-${phase}`;
const PHASES = ['build', 'load', 'namespace', 'rbac', 'secret', 'job', 'follow', 'merge'] as const;
/** The image of the build and load cases, made new each time by a nonce in its Dockerfile. */
const FRESH_IMAGE = `incluster-interrupt-${prefix}`;
const CONTAINERD = localLayout('floe-test').containerdSocket;

let project: string;
/** A project whose Dockerfile each build and load case rewrites. */
let freshProject: string;
let hold: AdmissionHold;
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
  freshProject = await mkdtemp(join(tmpdir(), 'incluster-terminal-build-'));
  await writeFile(
    join(freshProject, 'incluster.config.yaml'),
    `cluster:
  name: floe-test
namespace: ${services}
runner:
  dockerfile: Dockerfile
  context: ${suite}
  image: ${FRESH_IMAGE}
`,
  );
  hold = await startAdmissionHold(kube, PHASES.map(runId));
});

afterEach(() => {
  for (const session of sessions.splice(0)) session.kill();
});

afterAll(async () => {
  await hold?.close();
  const tags = await runCommand('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', FRESH_IMAGE], {
    allowFailure: true,
  });
  for (const tag of tags.stdout.split('\n').filter(Boolean))
    await runCommand('docker', ['rmi', '--force', tag], { allowFailure: true });
  await dropNamespace(kube, services);
  for (const phase of PHASES) await sweepRun(runId(phase));
});

/** Starts `incluster run` under a terminal with the given run id and runner arguments. */
async function runInTerminal(id: string, runnerArgs: string[] = [], cwd = project): Promise<TerminalSession> {
  const session = await startInTerminal(
    [process.execPath, CLI, 'run', '--provider', 'local', '--run-id', id, '--', ...runnerArgs],
    { cwd },
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
 * with its run id. `held` is admitted once the CLI has reacted to the interrupt: whatever the API
 * server then makes of the request, nothing of the run may remain.
 */
async function interruptAndCheck(
  session: TerminalSession,
  id: string,
  step: string,
  held?: HeldRequest,
): Promise<string> {
  const shown = await session.text();
  expect(shown, 'the step has started').toContain(step);
  expect(shown, 'the step has not ended yet').not.toContain(`${step} (`);
  const processes = [session.process.pid!, ...(await descendants(session.process.pid!))];
  const typed = Date.now();
  session.ctrlC();
  if (held) {
    await session.waitFor(/SIGINT received, cleaning up/, 10_000);
    held.admit();
  }
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

/** Writes the fresh project's Dockerfile: a new image each time (the nonce), with `then` after it. */
async function freshDockerfile(nonce: string, then = ''): Promise<void> {
  await writeFile(
    join(freshProject, 'Dockerfile'),
    `FROM docker.io/library/node:24-bookworm-slim
RUN echo ${nonce} > /etc/interrupt-nonce${then}
WORKDIR /app
COPY --chown=1000:1000 . .
USER 1000:1000
`,
  );
}

/** Containers of the Docker engine whose command mentions `text` (a build step's, say). */
async function containersWith(text: string, status = ''): Promise<string[]> {
  const listed = await runCommand('docker', [
    'ps',
    '--all',
    '--no-trunc',
    '--format',
    '{{.ID}} {{.Status}} {{.Command}}',
  ]);
  return listed.stdout.split('\n').filter((line) => line.includes(text) && line.includes(status));
}

/** Images of the cluster's containerd named after the fresh image. */
async function loadedFreshImages(): Promise<string[]> {
  const listed = await runCommand('ctr', [
    '--address',
    CONTAINERD,
    '--namespace',
    'k8s.io',
    'images',
    'ls',
    '--quiet',
  ]);
  return listed.stdout.split('\n').filter((name) => name.includes(FRESH_IMAGE));
}

describe('Ctrl-C at a terminal during incluster run', { tags: ['001-FR-131', '001-FR-130'] }, () => {
  test('while the runner image builds: the build stops, its step container goes, nothing reached the cluster', async () => {
    const id = runId('build');
    const nonce = `${id}-${randomBytes(3).toString('hex')}`;
    await freshDockerfile(nonce, ' && sleep 300');
    const session = await runInTerminal(id, [], freshProject);
    await session.waitFor(new RegExp(`Step \\d+/\\d+ : RUN echo ${nonce}`));
    // The step's container runs (so the engine has told the CLI its id).
    await expect.poll(() => containersWith(nonce, 'Up'), { timeout: 60_000, interval: 200 }).toHaveLength(1);
    const text = await interruptAndCheck(session, id, 'Building the runner image');
    expect(text).toContain('nothing had been created in the cluster yet');
    expect(await containersWith(nonce), 'the build step container is left').toEqual([]);
  });

  test('while the image is loaded into the node: the load stops, no image name is left half-made', async () => {
    const id = runId('load');
    await freshDockerfile(`${id}-${randomBytes(3).toString('hex')}`);
    const session = await runInTerminal(id, [], freshProject);
    const step = (await session.waitFor(new RegExp(`Loading ${FRESH_IMAGE}:\\S+ into containerd`)))[0];
    const text = await interruptAndCheck(session, id, step);
    expect(text).toContain('nothing had been created in the cluster yet');
    expect(await loadedFreshImages()).toEqual([]);
  });

  test('while the tests run (the spinner turning): the Job, its pod and the namespace are deleted', async () => {
    const id = runId('follow');
    const session = await runInTerminal(id, ['--mode=slow']);
    await session.waitFor(/\[shard 0\] sleeping/);
    const text = await interruptAndCheck(session, id, 'Running the suite in 1 pod');
    expect(text).toMatch(new RegExp(`deleted Job incluster-run-${id}/incluster-runner and its 1 pod`));
  });

  test('while the results are merged (100 000 test cases): the Job and namespace are deleted', async () => {
    const id = runId('merge');
    const session = await runInTerminal(id, ['--extra-cases=100000']);
    await session.waitFor(/Merging results/);
    const text = await interruptAndCheck(session, id, 'Merging results');
    expect(text).toMatch(new RegExp(`deleted Job incluster-run-${id}/incluster-runner and its 1 pod`));
  });

  const held: [phase: (typeof PHASES)[number], kind: string, step: RegExp][] = [
    ['namespace', 'Namespace', /Creating namespace \S+ \(restricted Pod Security\)/],
    ['rbac', 'ServiceAccount', /Granting the runner its RBAC rules/],
    ['secret', 'Secret', /Giving the runner the [^\n]*Secret/],
    ['job', 'Job', /Creating Job \S+ \(1 shard\)/],
  ];
  for (const [phase, kind, step] of held)
    test(`while its ${kind} create is held by admission: nothing of the run is left`, async () => {
      const id = runId(phase);
      const request = hold.next(id, kind);
      const session = await runInTerminal(id, ['--mode=slow']);
      const inFlight = await request;
      const shown = (await session.waitFor(step, 10_000))[0];
      const text = await interruptAndCheck(session, id, shown, inFlight);
      expect(text).toContain(`namespace incluster-run-${id}`);
    });
});
