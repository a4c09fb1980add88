// The registry path, the one every team on a remote cluster takes, on the real local cluster: a
// distribution registry (built from the Go module proxy into the cache) listens on 127.0.0.1 as the
// cluster's `cluster.existing.registry`; `incluster up` and `incluster run --provider existing`
// against the cluster's kubeconfig build the runner image in this machine's Docker engine, push it,
// and the node's containerd (on the host network, so the same 127.0.0.1) pulls it from there. The
// proof that the node pulled it: its containerd held no image of that manifest before, holds it
// afterwards under the registry's name, the pod ran exactly the pushed digest, and the registry's
// access log shows containerd fetching it. An unreachable registry fails the push, naming the setting.
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dockerEngineFor } from '../../../src/cluster/host/dockerd.ts';
import { BUSYBOX_IMAGE } from '../../../src/cluster/images/names.ts';
import {
  ctrArgs,
  listContainerdImages,
  type ContainerdImage,
} from '../../../src/cluster/providers/local/containerd-images.ts';
import { localLayout } from '../../../src/cluster/providers/local/layout.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { RUN_ID_LABEL } from '../../../src/ownership.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { TEST_CONTAINER } from '../../../src/runner/job.ts';
import type { RunReport } from '../../../src/runner/report.ts';
import { freePort, portAnswers, startRegistry, type LocalRegistry } from '../../support/registry.ts';
import { explain, repoRoot, sh, userEnv } from '../../support/scratch-project.ts';

const CLI = join(repoRoot, 'src/cli/main.ts');
const FIXTURE = join(repoRoot, 'test/fixtures/runner/registry-suite');
const kubeconfig = process.env.KUBECONFIG ?? '';
const client = createKubeClient({ kubeconfig });
const containerdSocket = localLayout('floe-test').containerdSocket;
const id = randomBytes(3).toString('hex');
const clusterName = `registry-it-${id}`;
// Docker's engine as the other tests reach it (the local cluster's, unless DOCKER_HOST names one).
const env = userEnv(dockerEngineFor(process.env).env);

const work = { dir: '', registry: undefined as LocalRegistry | undefined };
/** containerd's names before the run, so afterwards only what the run added is removed. */
let heldBefore: ContainerdImage[] = [];
const keptNamespaces: string[] = [];
/** Every registry host a run tagged images for (the unreachable one too: docker tags before it pushes). */
const registryHosts = new Set<string>();

/** A copy of the registry suite whose config points the existing provider at `registry`. */
async function project(registry: string): Promise<string> {
  registryHosts.add(registry.split('/', 1)[0]!);
  const dir = await mkdtemp(join(work.dir, 'project-'));
  await cp(FIXTURE, dir, { recursive: true });
  await writeFile(
    join(dir, 'incluster.config.yaml'),
    [
      'cluster:',
      `  name: ${clusterName}`,
      '  existing:',
      `    kubeconfig: ${kubeconfig}`,
      `    registry: ${registry}`,
      `namespace: ${clusterName}`,
      'services:',
      '  manifests: []',
      'runner:',
      '  dockerfile: Dockerfile',
      '  image: incluster-runner-registry',
      '  command: [sh, run-tests.sh]',
      '  timeout: 2m',
      '  resources:',
      '    requests: { cpu: 10m, memory: 16Mi }',
      '    limits: { cpu: 500m, memory: 64Mi }',
      '',
    ].join('\n'),
  );
  return dir;
}

const incluster = (cwd: string, args: string[]) =>
  sh(process.execPath, [CLI, ...args], { cwd, env, timeoutMs: 240_000 });

const containerdImages = () => listContainerdImages({ containerdSocket });

// Long enough for the registry's one-off build on a cold cache (about 3.5 min); then it starts in 0.2 s.
beforeAll(async () => {
  work.dir = await mkdtemp(join(tmpdir(), 'incluster-registry-it-'));
  work.registry = await startRegistry();
  heldBefore = await containerdImages();
}, 900_000);

afterAll(async () => {
  const registry = work.registry;
  for (const name of keptNamespaces) await client.core.deleteNamespace({ name }).catch(() => undefined);
  if (work.dir && existsSync(work.dir)) {
    const dir = join(work.dir, 'down');
    await mkdir(dir);
    await writeFile(join(dir, 'incluster.config.yaml'), `cluster:\n  name: ${clusterName}\n`);
    await incluster(dir, ['down', '--provider', 'existing']);
  }
  if (registry) {
    // Only what this file added: the names under its registry (and their `sha256:` twins).
    const held = await containerdImages();
    const pushed = new Set(
      held.filter((image) => image.name.startsWith(`${registry.host}/`)).map((image) => image.digest),
    );
    const before = new Set(heldBefore.map((image) => image.name));
    const added = held
      .filter((image) => pushed.has(image.digest) && !before.has(image.name))
      .map((image) => image.name);
    if (added.length)
      await runCommand('ctr', ctrArgs(containerdSocket, 'k8s.io', ['images', 'rm', ...added]), {
        allowFailure: true,
      });
    for (const host of registryHosts) {
      const tags = await runCommand(
        'docker',
        ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', `${host}/ci/*`],
        { env, allowFailure: true },
      );
      const refs = tags.stdout.split('\n').filter(Boolean);
      if (refs.length) await runCommand('docker', ['rmi', ...refs], { env, allowFailure: true });
    }
    await registry.stop();
  }
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

describe('a cluster pulling the runner image from a real registry', () => {
  test(
    'up and run --provider existing push the image, the node pulls it from the registry, the suite passes',
    { tags: ['001-FR-190', '001-FR-004'], timeout: 300_000 },
    async () => {
      const registry = work.registry!;
      const dockerfile = await readFile(join(FIXTURE, 'Dockerfile'), 'utf8');
      expect(dockerfile).toContain(`\nFROM ${BUSYBOX_IMAGE}\n`);
      const dir = await project(`${registry.host}/ci`);
      expect(await registry.catalog()).toEqual([]);

      const up = await incluster(dir, ['up', '--provider', 'existing']);
      expect(up.exitCode, explain(up)).toBe(0);
      // --keep: the pod stays, so its container status can be read afterwards (afterAll deletes it).
      const run = await incluster(dir, ['run', '--provider', 'existing', '--json', '--keep']);
      const report = JSON.parse(run.stdout || '{}') as RunReport;
      if (report.namespace) keptNamespaces.push(report.namespace);
      expect(run.exitCode, explain(run)).toBe(0);
      expect(report, explain(run)).toMatchObject({ outcome: 'passed', exitStatus: 0 });
      expect(report.tests, explain(run)).toMatchObject({ tests: 3, failures: 0 });

      // The registry holds the image the run built, under the tag the run reports.
      const repository = 'ci/incluster-runner-registry';
      expect(await registry.catalog()).toEqual([repository]);
      const tag = report.image!.reference.split(':').at(-1)!;
      const digest = await registry.manifestDigest(repository, tag);
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      const pulled = `${registry.host}/${repository}@${digest}`;
      expect(report.image).toMatchObject({ clusterReference: pulled, digest: pulled });

      // The node's containerd had no image of that manifest before, and has it now by that name.
      expect(heldBefore.filter((image) => image.digest === digest)).toEqual([]);
      const held = await containerdImages();
      expect(held.find((image) => image.name === pulled)?.digest).toBe(digest);

      // The pod ran exactly the pushed image.
      const pods = await client.core.listNamespacedPod({ namespace: report.namespace });
      const statuses = pods.items.flatMap((pod) => pod.status?.containerStatuses ?? []);
      const testContainer = statuses.find((status) => status.name === TEST_CONTAINER);
      expect(testContainer?.imageID, JSON.stringify(statuses, null, 1)).toBe(pulled);

      // containerd fetched the manifest from the registry (the push was docker's, the pull is not).
      const log = await registry.log();
      const fetches = log
        .split('\n')
        .filter(
          (line) => line.includes(`/v2/${repository}/manifests/${digest}`) && /"containerd\//.test(line),
        );
      expect(fetches, log.slice(-3000)).not.toEqual([]);
    },
  );

  test(
    'an unreachable registry fails the run before anything is created, naming cluster.existing.registry',
    { tags: ['001-FR-191'], timeout: 240_000 },
    async () => {
      const port = await freePort();
      const unreachable = `127.0.0.1:${port}/ci`;
      const dir = await project(unreachable);
      const runId = `unreachable-${id}`;
      const run = await incluster(dir, ['run', '--provider', 'existing', '--run-id', runId]);
      expect(run.exitCode, explain(run)).toBe(3);
      expect(run.stderr).toContain(`to cluster.existing.registry (${unreachable}) failed:`);
      expect(run.stderr).toMatch(/connection refused/);
      const namespaces = await client.core.listNamespace({ labelSelector: `${RUN_ID_LABEL}=${runId}` });
      expect(namespaces.items.map((ns) => ns.metadata?.name)).toEqual([]);
    },
  );

  test('the registry stops leaving no process, data or open port', { tags: ['001-FR-190'] }, async () => {
    const registry = work.registry!;
    await registry.stop();
    expect(existsSync(registry.dir)).toBe(false);
    expect(await portAnswers(registry.port)).toBe(false);
    expect(() => process.kill(registry.pid, 0)).toThrow();
  });
});
