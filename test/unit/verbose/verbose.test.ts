// --verbose and --quiet: each Kubernetes request and external command as a line with its outcome and
// duration, credentials masked (argv, URLs, Secret values the client read), runner.env replacements
// said; --quiet leaves only the result. The real-cluster proof is test/integration/cli/verbose.test.ts.
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { Redactor } from '../../../src/redaction/redactor.ts';
import { runnerSpec } from '../../../src/runner/phases/launch-job.ts';
import type { RunContext } from '../../../src/runner/run-context.ts';
import { startVerbose } from '../../../src/verbose/log.ts';
import { redactArgv, redactUrl } from '../../../src/verbose/redact.ts';
import { listRequests } from '../../../src/verbose/requests.ts';
import { runCliCaptured } from '../../support/cli.ts';

let stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops) stop();
  stops = [];
});

/** Turns verbose on for one test, with its own redactor; returns the lines written. */
function capture(redactor = new Redactor()): string[] {
  const lines: string[] = [];
  stops.push(
    startVerbose((text) => lines.push(text), redactor),
    listRequests(),
  );
  return lines;
}

describe('what a verbose line may show', { tags: ['001-FR-147'] }, () => {
  test('credentials in a command line are masked, the rest is kept', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-from-a-Secret');
    expect(
      redactArgv(
        [
          'helm',
          '--kube-token',
          'abc123',
          '--password=hunter22',
          '--set',
          'auth.password=hunter22',
          '-H',
          'Authorization: Bearer eyJhbGciOi',
          'postgresql://app:pw@db/app',
          'value-s3cr3t-from-a-Secret',
          '--namespace',
          'floe-test',
        ],
        redactor,
      ),
    ).toEqual([
      'helm',
      '--kube-token',
      '[REDACTED]',
      '--password=[REDACTED]',
      '--set',
      'auth.password=[REDACTED]',
      '-H',
      'Authorization: [REDACTED]',
      'postgresql://app:[REDACTED]@db/app',
      'value-[REDACTED]',
      '--namespace',
      'floe-test',
    ]);
  });

  test('a credential in a query string is masked; selectors are kept', () => {
    expect(
      redactUrl('https://h:6443/api/v1/pods?labelSelector=a%3Db&access_token=xyz&watch=true', new Redactor()),
    ).toBe('https://h:6443/api/v1/pods?labelSelector=a%3Db&access_token=[REDACTED]&watch=true');
  });
});

describe('--verbose lines', { tags: ['001-FR-147'] }, () => {
  test('each external command: argv (masked), exit status, duration', async () => {
    const lines = capture();
    await runCommand('sh', ['-c', 'exit 3', '--token', 'abc123'], { allowFailure: true });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^verbose: \$ sh -c 'exit 3' --token '\[REDACTED\]' → exit 3 \(\d+ ms\)\n$/);
  });

  test('each Kubernetes request: method, URL, status, duration; a Secret read shows no value', async () => {
    const password = 'pw-only-in-the-secret-9f3k';
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      if (request.url?.includes('/secrets/'))
        response.end(
          JSON.stringify({
            kind: 'Secret',
            apiVersion: 'v1',
            metadata: { name: 'db', namespace: 'ns' },
            data: { password: Buffer.from(password).toString('base64') },
            stringData: { also: password },
          }),
        );
      else {
        response.statusCode = 404;
        response.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'gone' }));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stops.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const dir = await mkdtemp(join(tmpdir(), 'incluster-verbose-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 'bearer-token-never-shown' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const redactor = new Redactor();
    const lines = capture(redactor);
    const client = createKubeClient({ kubeconfig, redactor, retry: { attempts: 1 } });
    await client.core.readNamespacedSecret({ namespace: 'ns', name: 'db' });
    await client.core.readNamespace({ name: 'gone' }).catch(() => undefined);
    const text = lines.join('');
    expect(text).toMatch(
      new RegExp(
        `verbose: GET http://127\\.0\\.0\\.1:${port}/api/v1/namespaces/ns/secrets/db 200 \\(\\d+ ms\\)`,
      ),
    );
    expect(text).toMatch(/verbose: GET \S+\/api\/v1\/namespaces\/gone 404 \(\d+ ms\)/);
    for (const secret of [password, Buffer.from(password).toString('base64'), 'bearer-token-never-shown'])
      expect(text).not.toContain(secret);
  });

  test("node:http requests too, a WebSocket's upgrade (exec, port-forward) with its 101", async () => {
    const server = createServer((_request, response) => response.end('ok'));
    server.on('upgrade', (_request, socket) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    stops.push(() => server.close());
    const { port } = server.address() as AddressInfo;
    const lines = capture();
    const plain = request({ port, host: '127.0.0.1', path: '/plain?token=abc' });
    plain.end();
    const [response] = (await once(plain, 'response')) as [IncomingMessage];
    response.resume();
    await once(response, 'end');
    const upgrade = request({
      port,
      host: '127.0.0.1',
      path: '/api/v1/namespaces/ns/pods/p/exec?command=ls',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
    });
    upgrade.end();
    const [, socket] = (await once(upgrade, 'upgrade')) as [IncomingMessage, Socket];
    socket.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    const text = lines.join('');
    expect(text).toMatch(
      new RegExp(
        `verbose: GET http://127\\.0\\.0\\.1:${port}/plain\\?token=\\[REDACTED\\] 200 \\(\\d+ ms\\)`,
      ),
    );
    expect(text).toMatch(
      /verbose: GET http:\/\/\S+\/api\/v1\/namespaces\/ns\/pods\/p\/exec\?command=ls 101 \(\d+ ms\)/,
    );
  });

  test('a runner.env value that replaces a service variable is said', () => {
    const config = configSchema.parse({
      postgres: { tls: { enabled: true } },
      runner: { env: { PGSSLMODE: 'disable' } },
    });
    const lines = capture();
    const ctx = {
      options: { config, runnerArgs: [] },
      runId: 'r1',
      namespace: 'incluster-run-r1',
      shards: 1,
      servicesConfig: config,
    } as unknown as RunContext;
    const image = { pods: { reference: 'runner:0123456789abcdef', pullPolicy: 'Never' } } as never;
    runnerSpec(ctx, image, { secrets: new Set(), configMaps: new Set(['incluster-services-ca']) });
    expect(lines).toEqual(["verbose: runner.env.PGSSLMODE replaces the postgres service's PGSSLMODE\n"]);
  });
});

describe('--verbose and --quiet on the command line', { tags: ['001-FR-147'] }, () => {
  const env = async () => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    INCLUSTER_CACHE_DIR: await mkdtemp(join(tmpdir(), 'incluster-cache-')),
  });

  test('--quiet prints only the result; --verbose with --quiet is a usage error', async () => {
    const base = await env();
    const normal = await runCliCaptured(['cache', 'prune', '--dry-run'], { env: base });
    expect(normal.err).not.toBe('');
    const quiet = await runCliCaptured(['cache', 'prune', '--dry-run', '--quiet'], { env: base });
    expect(quiet).toEqual({ status: 0, out: normal.out, err: '' });
    const fromEnv = await runCliCaptured(['cache', 'prune', '--dry-run'], {
      env: { ...base, INCLUSTER_QUIET: '1' },
    });
    expect(fromEnv.err).toBe('');
    const both = await runCliCaptured(['cache', 'prune', '--verbose', '--quiet'], { env: base });
    expect(both.status).toBe(2);
    expect(both.err).toContain('--verbose and --quiet contradict each other');
  });

  test('verbose is off again after the command', async () => {
    const lines: string[] = [];
    await runCliCaptured(['doctor', '--provider', 'existing', '--verbose'], { env: await env() });
    stops.push(startVerbose((text) => lines.push(text)));
    stops.pop()!();
    await runCommand('true', []);
    expect(lines).toEqual([]);
  });
});
