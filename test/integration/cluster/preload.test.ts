// images.preload on the real local cluster (001-FR-004): an image built on this machine that the
// cluster has never held is named in a project's config; `incluster up` (the shared cluster, reused)
// loads it into the cluster's containerd, and a pod that may not pull runs it. The image is tiny
// (busybox, which the machine's Docker engine holds, plus one file) and is removed afterwards from
// both the cluster and the engine.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { qualifyImageReference } from '../../../src/cluster/image-reference.ts';
import { dockerEngineFor } from '../../../src/cluster/host/dockerd.ts';
import { BUSYBOX_IMAGE } from '../../../src/cluster/images/names.ts';
import { ctrArgs, listContainerdImages } from '../../../src/cluster/providers/local/containerd-images.ts';
import { localLayout } from '../../../src/cluster/providers/local/layout.ts';
import { match } from '../../../src/kube/conditions.ts';
import { readLogs } from '../../../src/kube/logs.ts';
import { waitFor } from '../../../src/kube/wait.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { clusterTest as test } from '../../../src/vitest/test.ts';

const CLI = join(import.meta.dirname, '../../../src/cli/main.ts');
const containerdSocket = localLayout('floe-test').containerdSocket;
const engine = dockerEngineFor(process.env);
const proof = randomBytes(6).toString('hex');
const image = `incluster.test/preload-proof:${proof}`;
const scratch: string[] = [];

const docker = (args: string[]) => runCommand('docker', args, { env: engine.env, timeoutMs: 120_000 });
const held = async () => (await listContainerdImages({ containerdSocket })).map((i) => i.name);

afterAll(async () => {
  await runCommand(
    'ctr',
    ctrArgs(containerdSocket, 'k8s.io', ['images', 'rm', qualifyImageReference(image)]),
    {
      allowFailure: true,
    },
  );
  await runCommand('docker', ['rmi', '--force', image], { env: engine.env, allowFailure: true });
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

describe('images.preload on the local cluster', { tags: ['001-FR-004'] }, () => {
  test(
    'up loads an image the cluster does not have into its containerd, and a pod runs it without pulling',
    { timeout: 300_000 },
    async ({ kube, namespace }) => {
      const context = await mkdtemp(join(tmpdir(), 'incluster-preload-image-'));
      scratch.push(context);
      await writeFile(join(context, 'proof'), `${proof}\n`);
      await writeFile(join(context, 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nCOPY proof /proof\n`);
      await docker(['build', '--quiet', '--tag', image, context]);
      expect(await held()).not.toContain(qualifyImageReference(image));

      const project = await mkdtemp(join(tmpdir(), 'incluster-preload-project-'));
      scratch.push(project);
      await writeFile(join(project, 'incluster.config.yaml'), `images:\n  preload:\n    - ${image}\n`);
      const up = await runCommand(process.execPath, [CLI, 'up', '--provider', 'local', '--no-services'], {
        cwd: project,
        allowFailure: true,
        timeoutMs: 240_000,
      });
      expect(up.exitCode, up.stderr).toBe(0);
      expect(up.stderr).toContain('Preloading 1 images');
      expect(await held()).toContain(qualifyImageReference(image));

      await kube.core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: 'preloaded' },
          spec: {
            restartPolicy: 'Never',
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 65534,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'main',
                image,
                imagePullPolicy: 'Never',
                command: ['cat', '/proof'],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      });
      const done = await waitFor(
        match<{ status?: { phase?: string } }>(kube, 'Pod', namespace, 'preloaded', (p) =>
          ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
        ),
        { timeout: 60_000 },
      );
      const log = await readLogs(kube, namespace, 'preloaded');
      expect(done.status?.phase, log).toBe('Succeeded');
      expect(log.trim()).toBe(proof);
    },
  );
});
