// The kind provider against the recording stand-in kind/docker (test/fixtures/kind-standin/). With
// INCLUSTER_KIND_E2E=1 the same tests drive the real kind and docker; the checks that need the
// recorded command lines or injected faults are skipped there.
import { existsSync, statSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { configSchema, type ConfigInput } from '../../../../src/config/schema.ts';
import { KIND_NODE_IMAGE } from '../../../../src/cluster/versions.ts';
import { PAUSE_IMAGE } from '../../../../src/cluster/images/names.ts';
import { InfrastructureError } from '../../../../src/errors.ts';
import { createKubeClient } from '../../../../src/kube/client.ts';
import { runCommand } from '../../../../src/process/exec.ts';
import { Status } from '../../../../src/progress/status.ts';
import type { ProviderContext } from '../../../../src/cluster/provider.ts';
import { createKindProvider, kindKubeconfigPath } from '../../../../src/cluster/providers/kind/provider.ts';
import { failureLogsDir } from '../../../../src/cluster/failure-logs.ts';
import { kindE2e, useStandin, type Standin } from '../../../fixtures/kind-standin/harness.ts';

const repoKindConfig = resolve(import.meta.dirname, '../../../../testing/k8s/kind-config.yaml');
/** In e2e mode, an image the local Docker engine already holds. */
const e2eImage = process.env.INCLUSTER_KIND_E2E_IMAGE ?? PAUSE_IMAGE;
const clusterName = kindE2e ? 'incluster-kind-test' : 'floe-test';

const cleanups: (() => Promise<void>)[] = [];
// Against the real kind a clean-up is a `down` (cluster, network, engine): 10 to 20 s on a loaded
// machine, past Vitest's 10 s default, which the CI stage's --hookTimeout did not override (seen in a rehearsal).
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 300_000);

interface Harness {
  standin: Standin;
  ctx: ProviderContext;
  progress: () => string;
  apiChecks: string[];
  provider: ReturnType<typeof createKindProvider>;
}

async function setup(
  options: { tools?: ('kind' | 'docker')[]; kindConfig?: string; config?: ConfigInput } = {},
): Promise<Harness> {
  const standin = await useStandin({ tools: options.tools });
  let kindConfig = repoKindConfig;
  if (options.kindConfig) {
    kindConfig = join(standin.dir, 'kind-config.yaml');
    await writeFile(kindConfig, options.kindConfig);
  }
  const stream = new PassThrough();
  let progress = '';
  stream.on('data', (chunk: Buffer) => (progress += chunk.toString()));
  const config = configSchema.parse({
    ...options.config,
    cluster: { name: clusterName, kind: { config: kindConfig }, ...options.config?.cluster },
  });
  const ctx: ProviderContext = {
    config,
    root: standin.dir,
    status: new Status(stream, { interactive: false }),
    env: standin.env,
    signal: new AbortController().signal,
    artifactsDir: join(standin.dir, 'test-results'),
  };
  const apiChecks: string[] = [];
  // The stand-in's kubeconfig points at no server, so the API check is recorded instead; a real
  // kind cluster gets the real check.
  const provider = createKindProvider(
    kindE2e ? {} : { checkApi: (path) => Promise.resolve(void apiChecks.push(path)) },
  );
  cleanups.push(async () => {
    if (kindE2e) await provider.down(ctx).catch(() => undefined);
  });
  return { standin, ctx, progress: () => progress, apiChecks, provider };
}

async function failureOf(work: Promise<unknown>): Promise<InfrastructureError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InfrastructureError);
  return error as InfrastructureError;
}

describe('kind config', { tags: ['001-FR-001'] }, () => {
  test('testing/k8s/kind-config.yaml is the seed config with the pinned node image', async () => {
    const config = parse(await readFile(repoKindConfig, 'utf8')) as {
      name: string;
      nodes: { role: string; image: string; kubeadmConfigPatches: string[] }[];
      networking: Record<string, string>;
    };
    expect(config.name).toBe('floe-test');
    expect(config.nodes[0]?.image).toBe(KIND_NODE_IMAGE);
    expect(KIND_NODE_IMAGE).toMatch(/^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
    expect(config.networking).toEqual({
      podSubnet: '10.244.0.0/16',
      serviceSubnet: '10.96.0.0/16',
      kubeProxyMode: 'iptables',
    });
    expect(config.nodes[0]?.kubeadmConfigPatches[0]).toContain('systemReserved');
    expect(config.nodes[0]?.kubeadmConfigPatches[0]).toContain('kubeReserved');
  });
});

describe('kind provider: up and down', { tags: ['001-FR-001', '001-FR-003', '001-FR-007'] }, () => {
  test('up creates the named cluster from the pinned config, writes its kubeconfig, checks the API', async () => {
    const { standin, ctx, provider, apiChecks } = await setup();
    const access = await provider.up(ctx);
    const path = kindKubeconfigPath(standin.dir, clusterName);
    expect(access).toEqual({
      provider: 'kind',
      clusterName,
      kubeconfigPath: path,
      context: `kind-${clusterName}`,
    });
    const kubeconfig = parse(await readFile(path, 'utf8')) as { 'current-context': string };
    expect(kubeconfig['current-context']).toBe(`kind-${clusterName}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    if (kindE2e) return;
    expect(apiChecks).toEqual([path]);
    expect(await standin.calls()).toEqual([
      'docker info --format {{.ServerVersion}}',
      `docker image inspect --format {{.Id}} ${KIND_NODE_IMAGE}`,
      'kind get clusters',
      `kind create cluster --name ${clusterName} --config ${repoKindConfig} --image ${KIND_NODE_IMAGE} --wait 180s --retain`,
      `kind get kubeconfig --name ${clusterName}`,
    ]);
  });

  test('the kubeconfig kind prints is never shown as progress', { tags: ['001-FR-051'] }, async () => {
    const { ctx, provider, progress } = await setup();
    await provider.up(ctx);
    const kubeconfig = await readFile(kindKubeconfigPath(ctx.root, clusterName), 'utf8');
    for (const line of kubeconfig.split('\n').filter((l) => l.trim().length > 12))
      expect(progress()).not.toContain(line.trim());
  });

  test(
    'up and down never edit the kubeconfig $KUBECONFIG names, nor ~/.kube/config',
    { tags: ['001-FR-106'] },
    async () => {
      const { standin, ctx, provider } = await setup();
      // A user's own kubeconfig, pointing at a cluster of theirs (TEST-NET-1: never reached).
      const userKubeconfig = join(standin.dir, 'user.kubeconfig');
      const text = [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: mine, cluster: {server: "https://192.0.2.1:6443"}}]',
        'contexts: [{name: mine, context: {cluster: mine, user: mine}}]',
        'current-context: mine',
        'users: [{name: mine, user: {token: mine}}]',
        '',
      ].join('\n');
      await writeFile(userKubeconfig, text);
      ctx.env = { ...ctx.env, KUBECONFIG: userKubeconfig };
      await provider.up(ctx);
      expect(await readFile(userKubeconfig, 'utf8')).toBe(text);
      await provider.down(ctx);
      expect(await readFile(userKubeconfig, 'utf8')).toBe(text);
      // The stand-in models ~/.kube/config as a file of its own: kind never fell back to it.
      if (!kindE2e)
        expect(existsSync(join(standin.env.INCLUSTER_STANDIN_DIR ?? '', 'home-kube-config'))).toBe(false);
    },
  );

  test('up reuses a running cluster of that name instead of creating it again', async () => {
    const { standin, ctx, provider, progress } = await setup();
    await provider.up(ctx);
    const before = (await standin.calls()).length;
    const access = await provider.up(ctx);
    expect(access.clusterName).toBe(clusterName);
    expect(progress()).toContain(`reusing the running kind cluster \`${clusterName}\``);
    if (kindE2e) return;
    const second = (await standin.calls()).slice(before);
    expect(second.filter((c) => c.startsWith('kind create'))).toEqual([]);
    expect(second).toContain(`kind get kubeconfig --name ${clusterName}`);
  });

  test('down deletes only the named cluster, and a second down is a no-op', async () => {
    const { standin, ctx, provider } = await setup();
    await provider.up(ctx);
    // Another kind cluster on the machine that is not ours: on the real kind a real second cluster
    // (on the same engine), whose API must still answer after ours is gone.
    const other = await setup();
    other.ctx.env = ctx.env;
    other.ctx.config = configSchema.parse({
      cluster: { name: 'someone-else', kind: { config: repoKindConfig } },
    });
    await other.provider.up(other.ctx);
    await provider.down(ctx);
    expect(existsSync(kindKubeconfigPath(standin.dir, clusterName))).toBe(false);
    expect(await provider.access(ctx)).toBeUndefined();
    await provider.down(ctx);
    if (kindE2e) {
      const survivor = await other.provider.access(other.ctx);
      expect(survivor?.clusterName, 'the other cluster is gone').toBe('someone-else');
      const version = await createKubeClient({ kubeconfig: survivor?.kubeconfigPath }).ping();
      expect(version.gitVersion).toMatch(/^v1\./);
      return;
    }
    const calls = await standin.calls();
    expect(calls.filter((c) => c.startsWith('kind delete'))).toEqual([
      `kind delete cluster --name ${clusterName}`,
    ]);
    expect(calls.at(-1)).toBe('kind get clusters');
    expect((await runCommand('kind', ['get', 'clusters'], { env: ctx.env })).stdout).toBe('someone-else\n');
  });

  test('a missing kind config file is a usage error naming the field', async () => {
    const { ctx, provider } = await setup();
    ctx.config = configSchema.parse({ cluster: { name: clusterName, kind: { config: 'nope/kind.yaml' } } });
    await expect(provider.up(ctx)).rejects.toThrow(/cluster\.kind\.config: nope\/kind\.yaml does not exist/);
  });
});

describe('kind provider: images', { tags: ['001-FR-004'] }, () => {
  const twoNodes = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
  - role: worker
`;

  test('loadImages loads with kind and verifies every image on every node', async () => {
    const { standin, ctx, provider } = await setup({ kindConfig: twoNodes });
    await provider.up(ctx);
    const images = kindE2e ? [e2eImage] : ['postgres:17-alpine', 'ghcr.io/acme/runner:abc123'];
    const before = (await standin.calls()).length;
    await provider.loadImages(ctx, images);
    if (kindE2e) return;
    // The same command (one context) as `up`: the tools were checked once, then.
    expect((await standin.calls()).slice(before)).toEqual([
      `kind load docker-image postgres:17-alpine ghcr.io/acme/runner:abc123 --name ${clusterName}`,
      `kind get nodes --name ${clusterName}`,
      `docker exec ${clusterName}-control-plane crictl images -o json`,
      `docker exec ${clusterName}-worker crictl images -o json`,
    ]);
  });

  test.skipIf(kindE2e)(
    'an image missing on a node after loading fails, names the phase and exports the logs',
    { tags: ['001-FR-006'] },
    async () => {
      const { standin, ctx, provider } = await setup({ kindConfig: twoNodes });
      await provider.up(ctx);
      // kind reports success but nothing reaches the nodes.
      await standin.script([{ tool: 'kind', args: ['load', 'docker-image'], exitCode: 0 }]);
      const error = await failureOf(provider.loadImages(ctx, ['postgres:17-alpine']));
      expect(error.reason).toBe('ImageLoadFailed');
      expect(error.message).toBe(`kind cluster \`${clusterName}\`: verify images on every node failed`);
      expect((error.cause as Error).message).toContain(
        `postgres:17-alpine on ${clusterName}-control-plane, postgres:17-alpine on ${clusterName}-worker`,
      );
      const logs = failureLogsDir(ctx.artifactsDir, 'kind');
      expect(error.hint).toBe(`kind's logs are in ${logs}`);
      expect(await standin.calls()).toContain(`kind export logs ${logs} --name ${clusterName}`);
      expect(await readdir(logs)).toEqual([`${clusterName}-control-plane`, `${clusterName}-worker`]);
    },
  );

  test.skipIf(kindE2e)(
    'a failing kind load is reported with its output',
    { tags: ['001-FR-006'] },
    async () => {
      const { standin, ctx, provider } = await setup();
      await provider.up(ctx);
      await standin.script([
        {
          tool: 'kind',
          args: ['load', 'docker-image'],
          exitCode: 1,
          stderr: 'ERROR: image: "nope:1" not present locally\n',
        },
      ]);
      const error = await failureOf(provider.loadImages(ctx, ['nope:1']));
      expect(error.message).toBe(`kind cluster \`${clusterName}\`: load 1 image(s) failed`);
      expect(error.cause).toMatchObject({ stderr: 'ERROR: image: "nope:1" not present locally\n' });
    },
  );
});

describe.skipIf(kindE2e)('kind provider: images of an online cluster', { tags: ['001-FR-104'] }, () => {
  test('runner images build with the caller’s Docker engine, and the nodes pull bases and services', async () => {
    const { standin, ctx, provider } = await setup();
    expect(provider.buildEnv(ctx)).toBe(ctx.env);
    expect(await provider.ensureBaseImages(ctx, ['docker.io/library/node:24-bookworm-slim'])).toEqual([]);
    expect(await provider.provideServiceImages(ctx, ['docker.io/library/postgres:15-bookworm'])).toEqual([]);
    expect(await standin.calls()).toEqual([]);
  });
});

describe.skipIf(kindE2e)('kind provider: failures', { tags: ['001-FR-006', '001-FR-007'] }, () => {
  test('a failed create exports the logs of the half-made cluster, then deletes it', async () => {
    const { standin, ctx, provider } = await setup();
    await standin.script([
      {
        tool: 'kind',
        args: ['create', 'cluster'],
        exitCode: 1,
        stderr: 'ERROR: failed to create cluster: failed to init node with kubeadm\n',
        model: true,
      },
    ]);
    const error = await failureOf(provider.up(ctx));
    expect(error.reason).toBe('ClusterCreateFailed');
    expect(error.message).toBe(`kind cluster \`${clusterName}\`: create cluster failed`);
    const logs = failureLogsDir(ctx.artifactsDir, 'kind');
    expect(error.hint).toBe(`kind's logs are in ${logs}`);
    const calls = await standin.calls();
    expect(calls.slice(-2)).toEqual([
      `kind export logs ${logs} --name ${clusterName}`,
      `kind delete cluster --name ${clusterName}`,
    ]);
    expect(existsSync(join(logs, `${clusterName}-control-plane`, 'kubelet.log'))).toBe(true);
  });

  test('missing kind says how to install the pinned version', async () => {
    const { ctx, provider, standin } = await setup({ tools: ['docker'] });
    const error = await failureOf(provider.up(ctx));
    expect(error.reason).toBe('PrerequisiteMissing');
    expect(error.message).toBe('the kind provider needs kind (not found on PATH)');
    expect(error.hint).toContain('go install sigs.k8s.io/kind@v0.33.0');
    expect(await standin.calls()).toEqual(['docker info --format {{.ServerVersion}}']);
  });

  test('missing docker says how to install it, before running kind', async () => {
    const { ctx, provider, standin } = await setup({ tools: ['kind'] });
    const error = await failureOf(provider.down(ctx));
    expect(error.message).toBe('the kind provider needs docker (not found on PATH)');
    expect(error.hint).toContain('apt-get install docker.io');
    expect(await standin.calls()).toEqual([]);
  });

  test('a docker engine that does not answer is named', async () => {
    const { ctx, provider, standin } = await setup();
    await standin.script([
      { tool: 'docker', args: ['info'], exitCode: 1, stderr: 'Cannot connect to the Docker daemon\n' },
    ]);
    const error = await failureOf(provider.up(ctx));
    expect(error.message).toBe(
      'the kind provider needs the docker engine (does not answer: Cannot connect to the Docker daemon)',
    );
    expect(error.hint).toContain('systemctl start docker');
  });
});
