// --json on every command that reports: one JSON document on stdout, messages still on stderr.
// down and init included; trace keeps --format and takes --json for --format json.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCliCaptured } from '../../support/cli.ts';

/** The commands that report something: all but completion, which prints a script. */
const REPORTING = [['up'], ['down'], ['run'], ['trace'], ['sweep'], ['doctor'], ['cache', 'prune'], ['init']];

const closers: (() => void)[] = [];
afterAll(() => {
  for (const close of closers) close();
});

async function temp(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `incluster-json-${prefix}-`));
}

describe('--json on every command that reports', { tags: ['001-FR-148'] }, () => {
  test.each(REPORTING)('`%s` takes --json', async (...command) => {
    const { out } = await runCliCaptured([...command.filter(Boolean), '--help']);
    expect(out).toMatch(/--json\s/);
  });

  test('init --json --dry-run: each file and what init would do, nothing written', async () => {
    const dir = await temp('init');
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: '@acme/orders-api', version: '1.0.0' }),
    );
    const { status, out, err } = await runCliCaptured(['init', '--dry-run', '--json'], { cwd: dir });
    expect(status, err).toBe(0);
    const report = JSON.parse(out) as {
      dryRun: boolean;
      files: { path: string; outcome: string }[];
      changed: string[];
      project: { name: string };
    };
    expect(report.dryRun).toBe(true);
    expect(report.project.name).toBe('orders-api');
    expect(report.files).toContainEqual(
      expect.objectContaining({ path: 'incluster.config.yaml', outcome: 'created' }),
    );
    expect(report.changed).toContain('incluster.config.yaml');
    expect(existsSync(join(dir, 'incluster.config.yaml'))).toBe(false);
  });

  test('trace --json is --format json; with another --format it is a usage error', async () => {
    const dir = await temp('trace');
    await mkdir(join(dir, 'specs/001-x'), { recursive: true });
    await mkdir(join(dir, 'test'));
    await writeFile(join(dir, 'specs/001-x/spec.md'), '# Spec\n\n- **001-FR-001** The thing works.\n');
    await writeFile(
      join(dir, 'test/a.test.ts'),
      "import { test } from 'vitest';\ntest('works', { tags: ['001-FR-001'] }, () => {});\n",
    );
    const json = await runCliCaptured(['trace', '--json'], { cwd: dir });
    const format = await runCliCaptured(['trace', '--format', 'json'], { cwd: dir });
    expect(json.status, json.err).toBe(0);
    const strip = (text: string) => {
      const { generatedAt: _ignored, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return rest;
    };
    expect(strip(json.out)).toEqual(strip(format.out));
    expect(strip(json.out)).toHaveProperty('summary');
    const both = await runCliCaptured(['trace', '--json', '--format', 'md'], { cwd: dir });
    expect(both.status).toBe(2);
    expect(both.err).toContain('--json and --format md ask for two formats');
  });

  test('down --json on an existing cluster: what was removed, as JSON', async () => {
    const server = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      if (request.url?.startsWith('/version')) response.end(JSON.stringify({ gitVersion: 'v1.34.0' }));
      else if (request.url?.startsWith('/api/v1/namespaces'))
        response.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
      else {
        response.statusCode = 404;
        response.end(JSON.stringify({ kind: 'Status', code: 404 }));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    const dir = await temp('down');
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: {
              server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
              'insecure-skip-tls-verify': true,
            },
          },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    await writeFile(
      join(dir, 'incluster.config.yaml'),
      `cluster:\n  name: shop\n  provider: existing\n  existing:\n    kubeconfig: ${kubeconfig}\n`,
    );
    const { status, out, err } = await runCliCaptured(['down', '--json'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir },
    });
    expect(status, err).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      cluster: 'shop',
      provider: 'existing',
      removed: true,
      interrupted: false,
    });
    expect(Array.isArray((JSON.parse(out) as { timings: unknown }).timings)).toBe(true);
    expect(err).toContain('no namespaces labelled');
  });
});
