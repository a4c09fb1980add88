// The existing provider on the shared local cluster, reached through $KUBECONFIG as an existing
// cluster would be: `up` verifies the API and creates only its own namespace; `down` deletes only
// namespaces labelled as this config's, and leaves the cluster and everything else alone.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { configAt } from '../../../src/config/resolve.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { Status } from '../../../src/progress/status.ts';
import type { ProviderContext } from '../../../src/cluster/provider.ts';
import { createExistingProvider, ownerLabels } from '../../../src/cluster/providers/existing/provider.ts';
import { defaultProbes, selectProvider } from '../../../src/cluster/select.ts';

const id = randomBytes(3).toString('hex');
const clusterName = `existing-it-${id}`;
const client = createKubeClient();
const created: string[] = [];
/** Temporary directories the tests made, removed after them. */
const tempDirs: string[] = [];

/** A temporary directory that afterAll removes. */
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function context(namespace: string): ProviderContext {
  return {
    config: configAt(process.cwd(), { cluster: { name: clusterName, provider: 'existing' }, namespace }),
    root: process.cwd(),
    status: new Status(new PassThrough(), { interactive: false }),
    env: process.env,
    signal: new AbortController().signal,
    artifactsDir: 'test-results',
  };
}

async function makeNamespace(name: string, labels: Record<string, string> = {}): Promise<void> {
  created.push(name);
  await client.core.createNamespace({ body: { metadata: { name, labels } } });
}

/** The namespace's labels and whether it is being deleted, or undefined once it is gone. */
async function namespaceState(name: string) {
  try {
    const ns = await client.core.readNamespace({ name });
    return { labels: ns.metadata?.labels ?? {}, deleting: Boolean(ns.metadata?.deletionTimestamp) };
  } catch {
    return undefined;
  }
}

afterAll(async () => {
  for (const name of created) await client.core.deleteNamespace({ name }).catch(() => undefined);
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe('existing provider on a running cluster', { tags: ['001-FR-003', '001-FR-007'] }, () => {
  test('up verifies the API and creates its namespace labelled as ours; down deletes only that', async () => {
    const provider = createExistingProvider();
    const ours = `existing-it-${id}-svc`;
    const user = `existing-it-${id}-user`;
    const other = `existing-it-${id}-other`;
    created.push(ours);
    await makeNamespace(user);
    // incluster-managed, but another config's (or a test fixture's): not ours to delete.
    await makeNamespace(other, {
      'app.kubernetes.io/managed-by': 'incluster',
      'incluster.dev/cluster': 'another',
    });

    const ctx = context(ours);
    const access = await provider.up(ctx);
    expect(access.provider).toBe('existing');
    expect(access.kubeconfigPath).toBe(process.env.KUBECONFIG);
    expect(await namespaceState(ours)).toEqual({
      labels: expect.objectContaining(ownerLabels(clusterName)) as unknown,
      deleting: false,
    });
    expect(await provider.access(ctx)).toEqual(access);
    const logs = await tempDir('existing-it-logs-');
    await provider.exportLogs(ctx, logs);
    const exported = JSON.parse(await readFile(join(logs, `existing-${ours}.json`), 'utf8')) as {
      server: string;
      pods: { items?: unknown[] };
    };
    expect(exported.server).toBe(client.server);
    expect(exported.pods.items).toEqual([]);

    await provider.down(ctx);
    expect((await namespaceState(ours))?.deleting ?? true).toBe(true);
    expect(await namespaceState(user)).toMatchObject({ deleting: false });
    expect(await namespaceState(other)).toMatchObject({ deleting: false });
    // The cluster itself still answers, and a second down is harmless.
    await expect(client.ping()).resolves.toHaveProperty('gitVersion');
    await provider.down(ctx);
  });

  test('a namespace that already existed is used but never labelled, so down leaves it', async () => {
    const provider = createExistingProvider();
    const theirs = `existing-it-${id}-theirs`;
    await makeNamespace(theirs);
    const ctx = context(theirs);
    await provider.up(ctx);
    const state = await namespaceState(theirs);
    expect(state?.labels['incluster.dev/cluster']).toBeUndefined();
    await provider.down(ctx);
    expect(await namespaceState(theirs)).toMatchObject({ deleting: false });
  });

  test('an unreachable API server is an infrastructure error naming the server', async () => {
    const dir = await tempDir('existing-it-');
    const kubeconfig = join(dir, 'config');
    // Port 1 on loopback: nothing listens there.
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\n' +
        'users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const provider = createExistingProvider({
      client: () => createKubeClient({ kubeconfig, retry: { attempts: 1 } }),
    });
    const ctx = context(`existing-it-${id}-x`);
    const error: unknown = await provider.up(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'ClusterUnreachable' });
    expect((error as Error).message).toContain('https://127.0.0.1:1');
    expect(await provider.access(ctx)).toBeUndefined();
  });

  test('auto falls back to the current kubeconfig context and says which and why', async () => {
    const config = configSchema.parse({ cluster: { name: clusterName } });
    const selection = await selectProvider(config, {
      probes: {
        kind: () => Promise.resolve({ ok: false, why: 'kind is not on PATH' }),
        local: () => Promise.resolve({ ok: false, why: 'not running as root' }),
        existing: (config, env) => defaultProbes.existing(config, env),
      },
    });
    expect(selection.name).toBe('existing');
    expect(selection.reason).toMatch(
      /^existing, picked by auto: kubeconfig context `[^`]+` answers \(https:\/\/\S+, v1\./,
    );
  });
});
