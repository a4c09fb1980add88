// PostgreSQL with TLS on the real cluster, deployed as `up` deploys it (postgres.tls.enabled): a CA
// kept per cluster, a server certificate for the Service's names, verify-full from outside through
// a port-forward and from the runner pod, a mismatching name failing clearly, plain connections
// still accepted until the config requires TLS.
import { randomBytes, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deployServices } from '../../../src/cluster/lifecycle.ts';
import type { ProviderContext } from '../../../src/cluster/provider.ts';
import { configAt } from '../../../src/config/resolve.ts';
import { Status } from '../../../src/progress/status.ts';
import { ensurePostgresTls, SERVICES_CA } from '../../../src/services/postgres-tls.ts';
import { connectPostgres } from '../../../src/vitest/postgres.ts';
import { allPassed, junitOutcomes, kube, removeProject, runFixture, servicesProject } from './support.ts';

const ROOT = join(import.meta.dirname, '../../..');
const namespace = `incluster-it-pgtls-${randomBytes(3).toString('hex')}`;
const projects: string[] = [];
const ENCRYPTED = 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()';

function contextFor(tls: { enabled: boolean; required?: boolean }): ProviderContext {
  return {
    config: configAt(ROOT, { namespace, postgres: { tls } }),
    root: ROOT,
    status: new Status(new PassThrough(), { interactive: false }),
    signal: new AbortController().signal,
    env: process.env,
    artifactsDir: join(ROOT, 'test-results'),
  };
}

beforeAll(async () => {
  await deployServices(kube, contextFor({ enabled: true }), 240_000);
  // A second name for the same server, which its certificate does not carry.
  await kube.core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'postgres-alias' },
      spec: {
        selector: { 'app.kubernetes.io/name': 'postgres' },
        ports: [{ name: 'postgres', port: 5432, targetPort: 'postgres' }],
      },
    },
  });
}, 300_000);

afterAll(async () => {
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  for (const dir of projects) await removeProject(dir);
});

describe('PostgreSQL with TLS', { tags: ['001-FR-087'] }, () => {
  test('the CA is kept and the server certificate names the Service, signed by it', async () => {
    const before = await kube.core.readNamespacedSecret({ namespace, name: SERVICES_CA });
    const tls = await ensurePostgresTls(kube, contextFor({ enabled: true }).config);
    const after = await kube.core.readNamespacedSecret({ namespace, name: SERVICES_CA });
    expect(after.data?.['ca.crt']).toBe(before.data?.['ca.crt']);
    const ca = new X509Certificate(tls.caCertificate);
    expect(ca.ca).toBe(true);
    const server = await kube.core.readNamespacedSecret({ namespace, name: 'postgres-tls' });
    const cert = new X509Certificate(Buffer.from(server.data!['tls.crt']!, 'base64'));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(
      [
        'postgres',
        `postgres.${namespace}`,
        `postgres.${namespace}.svc`,
        `postgres.${namespace}.svc.cluster.local`,
      ]
        .map((name) => `DNS:${name}`)
        .join(', '),
    );
    const map = await kube.core.readNamespacedConfigMap({ namespace, name: SERVICES_CA });
    expect(map.data?.['ca.crt']).toBe(tls.caCertificate);
    expect(map.data?.['ca.key']).toBeUndefined();
  });

  test('the fixture connects with verify-full through a port-forward; plain still works', async () => {
    const secure = await connectPostgres(kube, { namespace, via: 'port-forward', tls: true });
    try {
      const { rows } = await secure.client.query<{ ssl: boolean }>(ENCRYPTED);
      expect(rows[0]?.ssl).toBe(true);
    } finally {
      await secure.close();
    }
    // The fixture stops at once on a certificate for another name, and says so.
    const mismatch = await connectPostgres(kube, {
      namespace,
      service: 'postgres-alias',
      via: 'port-forward',
      tls: true,
    }).catch((error: unknown) => error as Error);
    expect(mismatch).toMatchObject({ reason: 'PostgresTlsFailed' });
    expect((mismatch as Error).message).toMatch(
      new RegExp(
        `postgres-alias\\.${namespace}\\.svc\\.cluster\\.local presented a certificate that does not verify \\(ERR_TLS_CERT_ALTNAME_INVALID\\)`,
      ),
    );
    const plain = await connectPostgres(kube, { namespace, via: 'port-forward' });
    try {
      const { rows } = await plain.client.query<{ ssl: boolean }>(ENCRYPTED);
      expect(rows[0]?.ssl).toBe(false);
    } finally {
      await plain.close();
    }
  });

  test(
    'in the runner pod, verify-full works with no runner.env and a mismatching name fails clearly',
    { tags: ['001-FR-080'], timeout: 600_000 },
    async () => {
      const dir = await servicesProject((project) => {
        project.namespace = namespace;
        project.postgres = { tls: { enabled: true } };
      });
      projects.push(dir);
      const result = await runFixture(dir, 'pg-tls');
      expect(result.exitStatus, `${result.report.message}\n${result.lines.join('\n')}`).toBe(0);
      expect(await junitOutcomes(result), result.lines.join('\n')).toEqual(
        allPassed([
          'new pg.Pool() with no arguments connects with TLS, verify-full',
          'DATABASE_URL connects with sslmode=verify-full and the mounted CA',
          'a server certificate that does not match the name fails verify-full clearly',
          'the postgres fixture connects with verify-full from the pod variables',
        ]),
      );
    },
  );

  // Before tls.required below: with it the server would refuse the plain connection this one makes.
  test(
    "runner.env's PGSSLMODE: disable replaces the service's verify-full in the runner pod",
    { tags: ['001-FR-145'], timeout: 600_000 },
    async () => {
      const dir = await servicesProject((project) => {
        project.namespace = namespace;
        project.postgres = { tls: { enabled: true } };
        (project.runner as Record<string, unknown>).env = { PGSSLMODE: 'disable' };
      });
      projects.push(dir);
      const result = await runFixture(dir, 'pg-sslmode-off');
      expect(result.exitStatus, `${result.report.message}\n${result.lines.join('\n')}`).toBe(0);
      expect(await junitOutcomes(result), result.lines.join('\n')).toEqual(
        allPassed(["runner.env's PGSSLMODE replaces the service's: new pg.Pool() connects without TLS"]),
      );
    },
  );

  test(
    'with tls.required a plain connection is refused, TLS still accepted',
    { timeout: 300_000 },
    async () => {
      await deployServices(kube, contextFor({ enabled: true, required: true }), 240_000);
      const secure = await connectPostgres(kube, { namespace, via: 'port-forward', tls: true });
      const forward = { host: secure.host, port: secure.port };
      try {
        const { rows } = await secure.client.query<{ ssl: boolean }>(ENCRYPTED);
        expect(rows[0]?.ssl).toBe(true);
        const secret = await kube.core.readNamespacedSecret({ namespace, name: 'postgres-credentials' });
        const decode = (key: string) => Buffer.from(secret.data![key]!, 'base64').toString();
        const plain = new pg.Client({
          ...forward,
          user: decode('username'),
          password: decode('password'),
          database: 'app',
          ssl: false,
        });
        plain.on('error', () => undefined);
        await expect(plain.connect()).rejects.toThrow(/pg_hba.conf rejects connection .*no encryption/);
        await plain.end().catch(() => undefined);
      } finally {
        await secure.close();
      }
    },
  );
});
