import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpMethod } from '@kubernetes/client-node';
import { afterEach, describe, expect, test } from 'vitest';
import { createKubeClient } from '../../../src/kube/client.ts';
import { runningInPod } from '../../../src/kube/credentials.ts';
import { InfrastructureError, UsageError } from '../../../src/errors.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { json, startFakeApiServer, status, type FakeApiServer } from './fake-api-server.ts';

let fake: FakeApiServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function kubeconfigFile(server: string, contexts = ['main']) {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-kc-'));
  const file = join(dir, 'config');
  await writeFile(
    file,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [${contexts.map((c) => `{ name: ${c}, context: { cluster: c, user: u } }`).join(', ')}]
current-context: ${contexts[0]}
`,
  );
  return file;
}

/** A fake pod filesystem: the service-account token, CA and namespace under a root prefix. */
async function serviceAccountRoot() {
  const root = await mkdtemp(join(tmpdir(), 'incluster-sa-'));
  const dir = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'token'), 'sa-token');
  await writeFile(join(dir, 'ca.crt'), '');
  await writeFile(join(dir, 'namespace'), 'runner');
  return root;
}

describe('createKubeClient', { tags: ['001-FR-029'] }, () => {
  test('inside a pod the in-cluster identity wins over $KUBECONFIG', async () => {
    const root = await serviceAccountRoot();
    const env = {
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBECONFIG: await kubeconfigFile('https://elsewhere:6443'),
    };
    expect(runningInPod(env, root)).toBe(true);
    const client = createKubeClient({ env, serviceAccountRoot: root });
    expect(client.source).toEqual({ kind: 'in-cluster' });
    expect(client.server).toBe('https://10.96.0.1:443');
  });

  test('an explicit kubeconfig wins even inside a pod', async () => {
    const root = await serviceAccountRoot();
    const file = await kubeconfigFile('https://explicit:6443');
    const client = createKubeClient({
      kubeconfig: file,
      env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountRoot: root,
    });
    expect(client.source).toEqual({ kind: 'kubeconfig', files: [file], context: 'main' });
    expect(client.server).toBe('https://explicit:6443');
  });

  test('outside a pod: $KUBECONFIG, then ~/.kube/config, else a clear error', async () => {
    const file = await kubeconfigFile('https://from-env:6443');
    expect(createKubeClient({ env: { KUBECONFIG: file } }).server).toBe('https://from-env:6443');
    const home = await mkdtemp(join(tmpdir(), 'incluster-home-'));
    await mkdir(join(home, '.kube'));
    await writeFile(
      join(home, '.kube', 'config'),
      await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8')),
    );
    expect(createKubeClient({ env: { HOME: home } }).source).toMatchObject({
      files: [join(home, '.kube', 'config')],
    });
    const empty = await mkdtemp(join(tmpdir(), 'incluster-home-'));
    expect(() => createKubeClient({ env: { HOME: empty } })).toThrow(/no Kubernetes credentials/);
  });

  test('a context is chosen by name; an unknown one names the known ones', async () => {
    const file = await kubeconfigFile('https://x:6443', ['one', 'two']);
    expect(createKubeClient({ kubeconfig: file, context: 'two' }).source).toMatchObject({ context: 'two' });
    const error = (() => {
      try {
        createKubeClient({ kubeconfig: file, context: 'three' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`context \`three\` is not in ${file} (contexts: one, two)`);
  });

  test('an unreachable API server is an InfrastructureError naming the server, without a stack', async () => {
    // A port nobody listens on: bind, note the port, close.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const client = createKubeClient({
      kubeconfig: await kubeconfigFile(`http://127.0.0.1:${port}`),
      retry: { attempts: 2, baseDelayMs: 1 },
    });
    const error = await client.ping().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error).toMatchObject({ reason: 'ClusterUnreachable' });
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot reach the Kubernetes API server at http://127.0.0.1:${port}: `),
    );
    expect((error as Error).message).not.toMatch(/\n\s+at /);
  });

  test('an API server whose certificate is not trusted is named as such', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-tls-'));
    await runCommand('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    const server = createHttpsServer(
      { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) },
      (_req, res) => res.end('{}'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const file = join(dir, 'kubeconfig');
      await writeFile(
        file,
        `apiVersion: v1\nkind: Config\nclusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}" } }]\nusers: [{ name: u, user: { token: t } }]\ncontexts: [{ name: m, context: { cluster: c, user: u } }]\ncurrent-context: m\n`,
      );
      const error = await createKubeClient({ kubeconfig: file, retry: { attempts: 1 } })
        .ping()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ reason: 'ClusterUnreachable' });
      expect((error as Error).message).toMatch(
        /: its TLS certificate is not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/,
      );
    } finally {
      server.close();
    }
  });

  test('raw requests retry a 503 and return the JSON body', async () => {
    fake = await startFakeApiServer();
    let calls = 0;
    fake.on('GET', '/version', (_req, res) => {
      calls += 1;
      if (calls < 3) json(res, 503, status(503, 'ServiceUnavailable', 'starting'));
      else json(res, 200, { gitVersion: 'v1.34.2' });
    });
    const client = fake.client();
    expect(await client.ping()).toEqual({ gitVersion: 'v1.34.2' });
    expect(calls).toBe(3);
    expect(fake.requests.at(-1)!.headers.authorization).toBe('Bearer fake-token');
    const forbidden = await client.request(HttpMethod.GET, '/api/v1/nodes').catch((e: unknown) => e);
    expect(forbidden).toMatchObject({ code: 404 });
  });

  test(
    'Secret values read through the client are learned by its redactor',
    { tags: ['001-FR-051'] },
    async () => {
      fake = await startFakeApiServer();
      fake.on('GET', '/api/v1/namespaces/ns/secrets/db', (_req, res) =>
        json(res, 200, {
          kind: 'Secret',
          apiVersion: 'v1',
          metadata: { name: 'db', namespace: 'ns' },
          data: { password: Buffer.from('s3cret-value').toString('base64') },
        }),
      );
      const client = fake.client();
      await client.core.readNamespacedSecret({ namespace: 'ns', name: 'db' });
      expect(client.redactor.redact('connecting with s3cret-value now')).toBe(
        'connecting with [REDACTED] now',
      );
    },
  );
});
