// The cluster cannot be reached (FR-015, FR-045): a kubeconfig pointing at a closed port, and one whose
// CA does not match the API server's certificate. Every command that needs the cluster must exit 3
// with a short message naming the server and what to check, and never print a stack trace.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/process/exec.ts';
import { CLI, expectNoStackTrace } from './support.ts';

interface Kubeconfig {
  clusters: {
    name: string;
    cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string };
  }[];
}

/** A port nothing listens on: bound by us for a moment, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Writes a copy of the shared kubeconfig with its cluster entry changed, and a config that uses it. */
async function brokenProject(
  change: (cluster: Kubeconfig['clusters'][number]['cluster']) => void,
): Promise<{ dir: string; kubeconfig: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'fault-unreachable-'));
  const config = parse(await readFile(process.env.KUBECONFIG!, 'utf8')) as Kubeconfig;
  for (const entry of config.clusters) change(entry.cluster);
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
    await runCommand('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=not-the-cluster-ca',
      '-keyout',
      join(keyDir, 'ca.key'),
      '-out',
      join(keyDir, 'ca.crt'),
    ]);
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
});
