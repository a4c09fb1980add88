// `--verbose` of real commands on the shared local cluster, through the CLI as a user runs it: each
// Kubernetes request and external command is listed with its outcome and duration, and no value of
// the Secrets the command read (the services' credentials a run copies) appears anywhere.
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createKubeClient } from '../../../src/kube/client.ts';
import { startInTerminal, type TerminalSession } from '../../support/terminal.ts';

const ROOT = join(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'src/cli/main.ts');
const kubeconfig = process.env.KUBECONFIG ?? '';
const client = createKubeClient({ kubeconfig });
const cleanup: (() => Promise<unknown>)[] = [];
const fixture = join(ROOT, 'test/fixtures/runner/suite');

afterAll(async () => {
  for (const step of cleanup) await step().catch(() => undefined);
});

/** Runs the CLI in `cwd`; resolves with its exit status and output, whatever the status. */
function incluster(args: string[], cwd: string): Promise<{ status: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, KUBECONFIG: kubeconfig }, maxBuffer: 64 * 1024 * 1024, timeout: 540_000 },
      (error, out, err) => resolve({ status: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

/** Every value of the Secrets of `namespace`, decoded and as stored: none may be printed. */
async function secretValues(namespace: string): Promise<string[]> {
  const list = await client.core.listNamespacedSecret({ namespace });
  return list.items
    .flatMap((secret) =>
      Object.values(secret.data ?? {}).flatMap((encoded) => [
        encoded,
        Buffer.from(encoded, 'base64').toString(),
      ]),
    )
    .filter((value) => value.length >= 8);
}

describe('--verbose against the real cluster', { tags: ['001-FR-147'] }, () => {
  test('sweep --dry-run lists its API requests with status and duration', async () => {
    const { status, err } = await incluster(
      ['sweep', '--dry-run', '--verbose', '--kubeconfig', kubeconfig],
      ROOT,
    );
    expect(status, err).toBe(0);
    expect(err).toMatch(/^verbose: GET https:\/\/\S+\/version 200 \(\d+ ms\)$/m);
    expect(err).toMatch(
      /^verbose: GET https:\/\/\S+\/api\/v1\/namespaces\?labelSelector=\S+ 200 \(\d+ ms\)$/m,
    );
  });

  test(
    'a run lists requests and commands and prints no value of the Secrets it copied',
    { timeout: 600_000 },
    async () => {
      const runId = `verbose-${Date.now().toString(36)}`;
      cleanup.push(
        () => client.core.deleteNamespace({ name: `incluster-run-${runId}` }),
        () => rm(join(fixture, 'test-results', runId), { recursive: true, force: true }),
      );
      const { status, out, err } = await incluster(
        ['run', '--provider', 'local', '--run-id', runId, '--verbose', '--json', '--', '--mode=pass'],
        fixture,
      );
      expect(status, err).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ outcome: 'passed' });
      // The run's namespace, by server-side apply.
      expect(err).toMatch(
        new RegExp(
          `^verbose: PATCH https://\\S+/api/v1/namespaces/incluster-run-${runId}\\?\\S* 20[01] \\(\\d+ ms\\)$`,
          'm',
        ),
      );
      expect(err).toMatch(/^verbose: GET https:\/\/\S+\/api\/v1\/namespaces\/floe-test\/secrets\/\S+ 200 /m);
      expect(err).toMatch(/^verbose: \$ \S+ .* → exit 0 \(\d+ ms\)$/m);
      // The copy of /artifacts, an exec over a WebSocket: listed with its upgrade.
      expect(err).toMatch(/^verbose: GET https:\/\/\S+\/pods\/\S+\/exec\?\S+ 101 \(\d+ ms\)$/m);
      const secrets = await secretValues('floe-test');
      expect(secrets.length).toBeGreaterThan(0);
      for (const value of secrets) expect(err.includes(value), 'a Secret value was printed').toBe(false);
    },
  );

  test(
    'at a terminal, --verbose lines stay whole (no spinner draws over them); --quiet shows only the result',
    { tags: ['001-FR-147'], timeout: 600_000 },
    async () => {
      const session = async (level: string): Promise<string> => {
        const runId = `tty-${level.slice(2)}-${Date.now().toString(36)}`;
        cleanup.push(
          () => client.core.deleteNamespace({ name: `incluster-run-${runId}` }),
          () => rm(join(fixture, 'test-results', runId), { recursive: true, force: true }),
        );
        const terminal: TerminalSession = await startInTerminal(
          [
            process.execPath,
            CLI,
            'run',
            '--provider',
            'local',
            '--run-id',
            runId,
            level,
            '--',
            '--mode=pass',
          ],
          { cwd: fixture, env: { KUBECONFIG: kubeconfig } },
        );
        cleanup.push(() => Promise.resolve(terminal.kill()));
        expect(await terminal.exited, await terminal.text()).toBe(0);
        return terminal.text();
      };
      const verbose = (await session('--verbose')).split('\n');
      const lines = verbose.filter((line) => line.includes('verbose: '));
      expect(lines.length, verbose.join('\n')).toBeGreaterThan(10);
      // Each verbose line on a line of its own, from its first column, ending in its duration.
      for (const line of lines) expect(line).toMatch(/^verbose: .* \(\d+ ms\)$|^verbose: runner\.env\./);
      expect(verbose.join('\n')).toMatch(/^✓ Creating Job /m); // progress as plain lines
      // `script` frames the record with a line of its own before and after.
      const quiet = (await session('--quiet'))
        .split('\n')
        .filter((line) => line.trim() !== '' && !/^Script (started|done) on /.test(line));
      expect(quiet[0], quiet.join('\n')).toMatch(/^PASSED: /);
      expect(quiet, quiet.join('\n')).toHaveLength(2); // the result and where the results are
      expect(quiet[1]).toMatch(/^ {2}results: /);
    },
  );
});
