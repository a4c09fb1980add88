// The cluster cannot be reached (FR-015, FR-045): a kubeconfig pointing at a closed port, one whose
// CA does not match the API server's certificate, an API endpoint whose certificate has expired, and
// an expired client certificate presented to the real API server. Every command that needs the
// cluster must exit 3 with a short message naming the server and what to check, and never print a
// stack trace.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/process/exec.ts';
import { CLI, expectNoStackTrace } from './support.ts';
import { keyAndRequest, selfSignedCertificate, signWithDates } from '../support/certificates.ts';

interface Kubeconfig {
  clusters: {
    name: string;
    cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string };
  }[];
  users: { name: string; user: Record<string, string | undefined> }[];
}

/** The shared local cluster's CA; only read, to sign an expired client certificate. */
const CLUSTER_PKI = '/var/lib/incluster/floe-test/pki';

/** `notAfter` as the CLI prints it (seconds, UTC). */
function printed(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A port nothing listens on: bound by us for a moment, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Writes a copy of the shared kubeconfig with its cluster (and user) entries changed, and a config that uses it. */
async function brokenProject(
  change: (cluster: Kubeconfig['clusters'][number]['cluster']) => void,
  changeUser: (user: Kubeconfig['users'][number]['user']) => void = () => undefined,
): Promise<{ dir: string; kubeconfig: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fault-unreachable-'));
  const config = parse(await readFile(process.env.KUBECONFIG!, 'utf8')) as Kubeconfig;
  for (const entry of config.clusters) change(entry.cluster);
  for (const entry of config.users) changeUser(entry.user);
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, stringify(config), { mode: 0o600 });
  await writeFile(
    join(dir, 'incluster.config.yaml'),
    `namespace: fault-unreachable\ncluster:\n  existing:\n    kubeconfig: ${kubeconfig}\n`,
  );
  return { dir, kubeconfig };
}

/** Runs the CLI in `dir` with no ambient KUBECONFIG, bounded in time. */
function cli(dir: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.KUBECONFIG;
  return runCommand(process.execPath, [CLI, ...args], {
    cwd: dir,
    env,
    allowFailure: true,
    timeoutMs: 120_000,
  });
}

/** The failure is a clear paragraph: names the server, exits 3, no stack frames. */
function expectClearUnreachable(
  result: { exitCode: number; stderr: string },
  server: string,
  cause: RegExp,
): void {
  expect(result.exitCode, result.stderr).toBe(3);
  expectNoStackTrace(result.stderr);
  const message = result.stderr.split('\n').filter((l) => l.startsWith('incluster:') || l.startsWith('  '));
  expect(result.stderr).toContain(server);
  expect(result.stderr).toMatch(cause);
  expect(message.length, result.stderr).toBeLessThanOrEqual(8);
}

describe('an unreachable cluster', { tags: ['001-FR-015', '001-FR-045'] }, () => {
  let server: string;
  beforeAll(async () => {
    server = (parse(await readFile(process.env.KUBECONFIG!, 'utf8')) as Kubeconfig).clusters[0]!.cluster
      .server;
  });

  test('a closed port: up, sweep and doctor exit 3 with a clear message and no stack trace', async () => {
    const port = await closedPort();
    const target = `https://127.0.0.1:${port}`;
    const { dir, kubeconfig } = await brokenProject((c) => (c.server = target));

    const up = await cli(dir, ['up', '--provider', 'existing', '--no-services']);
    expectClearUnreachable(up, target, /cannot reach the Kubernetes API server/);
    expect(up.stderr).toMatch(/ECONNREFUSED|refused/i);

    const sweep = await cli(dir, ['sweep', '--kubeconfig', kubeconfig]);
    expectClearUnreachable(sweep, target, /cannot reach|unreachable|refused/i);

    const doctor = await cli(dir, ['doctor', '--provider', 'existing']);
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(3);
    expectNoStackTrace(doctor.stderr);
    expect(doctor.stdout + doctor.stderr).toContain(target);
  });

  test('a CA that does not match the server certificate: exit 3, says the certificate is not trusted', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'fault-ca-'));
    await selfSignedCertificate(keyDir, 'ca', { subject: '/CN=not-the-cluster-ca' });
    const foreignCa = Buffer.from(await readFile(join(keyDir, 'ca.crt'))).toString('base64');
    const { dir, kubeconfig } = await brokenProject((c) => {
      delete c['certificate-authority'];
      c['certificate-authority-data'] = foreignCa;
    });

    const up = await cli(dir, ['up', '--provider', 'existing', '--no-services']);
    expectClearUnreachable(up, server, /certificate|self.signed|verify/i);

    const sweep = await cli(dir, ['sweep', '--kubeconfig', kubeconfig]);
    expectClearUnreachable(sweep, server, /certificate|self.signed|verify/i);
  });
  test('an API server certificate that has expired: up, sweep and doctor exit 3 saying so, with its date', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fault-expired-server-'));
    const ca = await selfSignedCertificate(dir, 'ca', { subject: '/CN=fault-expiry-ca', days: 2, ca: true });
    await keyAndRequest(dir, 'server', '/CN=127.0.0.1');
    const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const crt = await signWithDates(
      dir,
      'server',
      ca,
      'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\nkeyUsage = critical,digitalSignature',
      new Date(notAfter.getTime() - 86_400_000),
      notAfter,
    );
    // A stand-in for the API server: the fault is its certificate, which is all a client sees first.
    const fake = createHttpsServer(
      { key: await readFile(join(dir, 'server.key')), cert: await readFile(crt) },
      (_request, response) => response.end('{"gitVersion":"v0.0.0-not-reached"}'),
    );
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    try {
      const target = `https://127.0.0.1:${(fake.address() as { port: number }).port}`;
      const caData = Buffer.from(await readFile(ca.crt)).toString('base64');
      const { dir: project, kubeconfig } = await brokenProject((c) => {
        c.server = target;
        delete c['certificate-authority'];
        c['certificate-authority-data'] = caData;
      });
      const expired = new RegExp(
        `certificate has expired \\(CERT_HAS_EXPIRED, notAfter ${printed(notAfter).replace(/[.]/g, '\\.')}`,
      );

      const up = await cli(project, ['up', '--provider', 'existing', '--no-services']);
      expectClearUnreachable(up, target, expired);

      const sweep = await cli(project, ['sweep', '--kubeconfig', kubeconfig]);
      expectClearUnreachable(sweep, target, expired);

      const doctor = await cli(project, ['doctor', '--provider', 'existing']);
      expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(3);
      expectNoStackTrace(doctor.stderr);
      expect(doctor.stdout + doctor.stderr).toContain(target);
      expect(doctor.stdout + doctor.stderr).toMatch(expired);
    } finally {
      fake.close();
    }
  });

  test('an expired client certificate on the real API server: exit 3 naming it, not "forbidden"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fault-expired-client-'));
    await keyAndRequest(dir, 'client', '/CN=fault-expired-client');
    const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const crt = await signWithDates(
      dir,
      'client',
      { crt: join(CLUSTER_PKI, 'ca.crt'), key: join(CLUSTER_PKI, 'ca.key') },
      'extendedKeyUsage = clientAuth\nkeyUsage = critical,digitalSignature',
      new Date(notAfter.getTime() - 86_400_000),
      notAfter,
    );
    const certData = Buffer.from(await readFile(crt)).toString('base64');
    const keyData = Buffer.from(await readFile(join(dir, 'client.key'))).toString('base64');
    const { dir: project, kubeconfig } = await brokenProject(
      () => undefined,
      (user) => {
        for (const field of ['client-certificate', 'client-key', 'token', 'tokenFile']) delete user[field];
        user['client-certificate-data'] = certData;
        user['client-key-data'] = keyData;
      },
    );
    const expired = new RegExp(
      `client certificate \\(CN=fault-expired-client\\) has expired: notAfter ${printed(notAfter).replace(/[.]/g, '\\.')}`,
    );

    const up = await cli(project, ['up', '--provider', 'existing', '--no-services']);
    expectClearUnreachable(up, server, expired);
    expect(up.stderr).toMatch(/401 Unauthorized/);
    expect(up.stderr).not.toMatch(/forbidden/i);
    // The client library's error carries the whole response; only its first line may show.
    expect(up.stderr).not.toMatch(/Headers:|audit-id/i);

    const sweep = await cli(project, ['sweep', '--kubeconfig', kubeconfig]);
    expectClearUnreachable(sweep, server, expired);
    expect(sweep.stderr).not.toMatch(/forbidden/i);
    expect(sweep.stderr).not.toMatch(/Headers:|audit-id/i);

    const doctor = await cli(project, ['doctor', '--provider', 'existing']);
    expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(3);
    expectNoStackTrace(doctor.stderr);
    expect(doctor.stdout + doctor.stderr).toContain(server);
    expect(doctor.stdout + doctor.stderr).toMatch(expired);
  });
});
