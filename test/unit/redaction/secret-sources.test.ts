import { afterEach, describe, expect, test } from 'vitest';
import { Redactor } from '../../../src/redaction/redactor.ts';
import { credentialEnvValues, readSecretValues } from '../../../src/redaction/secret-sources.ts';
import { startFakeApiServer, type FakeApiServer } from '../kube/fake-api-server.ts';

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('where the main process learns secrets', { tags: ['001-FR-051'] }, () => {
  test('credential-named variables, trimmed; flags, numbers, paths and short values are not secrets', () => {
    expect(
      credentialEnvValues({
        POSTGRES_PASSWORD: ' pg-pass-1 ',
        GITHUB_TOKEN: 'ghp_abcdef',
        MY_API_KEY: 'k-123456',
        SHORT_SECRET: 'abc',
        SECRET_SCANNING: 'false',
        TOKEN_LIMIT: '4096',
        SSH_PRIVATE_KEY_FILE: '~/.ssh/id',
        PATH: '/usr/bin',
        PWD: '/work/main',
      }),
    ).toEqual(['pg-pass-1', 'ghp_abcdef', 'k-123456']);
  });

  test('the configured Secret is read and its values registered', async () => {
    server = await startFakeApiServer();
    server.on('GET', '/api/v1/namespaces/floe-test/secrets/postgres-credentials', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          kind: 'Secret',
          apiVersion: 'v1',
          metadata: { name: 'postgres-credentials', namespace: 'floe-test' },
          data: { password: Buffer.from('from-the-cluster').toString('base64') },
        }),
      );
    });
    const redactor = new Redactor();
    const outcome = await readSecretValues(
      [{ namespace: 'floe-test', name: 'postgres-credentials' }],
      redactor,
      {
        env: { KUBECONFIG: server.kubeconfig },
      },
    );
    expect(outcome).toEqual({ read: ['floe-test/postgres-credentials'] });
    expect(redactor.redact('pw from-the-cluster')).toBe('pw [REDACTED]');
  });

  test('a refusal (a runner ServiceAccount) or no credentials only skip, quickly', async () => {
    server = await startFakeApiServer();
    server.on('GET', /secrets/, (_req, res) => {
      res.statusCode = 403;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 }));
    });
    const refs = [{ namespace: 'floe-test', name: 'postgres-credentials' }];
    const started = Date.now();
    const refused = await readSecretValues(refs, new Redactor(), { env: { KUBECONFIG: server.kubeconfig } });
    expect(refused.read).toEqual([]);
    expect(refused.skipped).toBeDefined();
    expect(server.requests.filter((r) => r.path.includes('secrets'))).toHaveLength(1);
    const none = await readSecretValues(refs, new Redactor(), { env: { HOME: '/nonexistent' } });
    expect(none).toEqual({ read: [], skipped: 'no Kubernetes credentials' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
