import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCliCaptured } from '../../support/cli.ts';

function cli(args: string[], cwd = process.cwd()) {
  return runCliCaptured(args, { cwd });
}

const COMMANDS = ['up', 'down', 'run', 'trace', 'sweep', 'doctor', 'init'];

describe('command line', { tags: ['001-FR-045'] }, () => {
  test('--help lists every command and the exit statuses', async () => {
    const { status, out } = await cli(['--help']);
    expect(status).toBe(0);
    for (const command of COMMANDS) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(out).toContain('3  infrastructure error');
  });

  test.each(COMMANDS)('`%s --help` explains the command, its options and exit statuses', async (command) => {
    const { status, out } = await cli([command, '--help']);
    expect(status).toBe(0);
    expect(out).toContain(`Usage: incluster ${command}`);
    expect(out).toContain('--config <file>');
    expect(out).toContain('Examples:');
    expect(out).toContain('Exit status:');
  });

  test('an unknown command or flag is a usage error (exit 2)', async () => {
    expect((await cli(['frobnicate'])).status).toBe(2);
    const { status, err } = await cli(['doctor', '--no-such-flag']);
    expect(status).toBe(2);
    expect(err).toContain("unknown option '--no-such-flag'");
  });

  test('no arguments prints help and exits 2', async () => {
    const { status, err } = await cli([]);
    expect(status).toBe(2);
    expect(err).toContain('Usage: incluster');
  });

  test('a malformed config file exits 2 naming the file and field', { tags: ['001-FR-044'] }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-cli-'));
    await writeFile(join(dir, 'incluster.config.yaml'), 'cluster:\n  provider: 42\n');
    const { status, err } = await cli(['doctor', '--provider', 'local'], dir);
    expect(status).toBe(2);
    expect(err).toContain(`${join(dir, 'incluster.config.yaml')}:2: cluster.provider: expected one of`);
  });
});

describe('incluster doctor', { tags: ['001-FR-043'] }, () => {
  test('reports each provider with what is present and how to fix what is missing', async () => {
    const { out } = await cli(['doctor', '--json']);
    const report = JSON.parse(out) as {
      providers: {
        provider: string;
        usable: boolean;
        checks: { name: string; ok: boolean; fix?: string }[];
      }[];
    };
    expect(report.providers.map((p) => p.provider)).toEqual(['kind', 'local', 'existing']);
    for (const provider of report.providers) {
      expect(provider.checks.length).toBeGreaterThan(0);
      for (const check of provider.checks.filter((c) => !c.ok)) expect(check.fix, check.name).toBeTruthy();
    }
  });

  test('a missing tool is reported with its install command', async () => {
    const { status, out } = await runCliCaptured(['doctor', '--provider', 'kind'], {
      env: { ...process.env, PATH: '/nonexistent' },
    });
    expect(status).toBe(3);
    expect(out).toContain('✗ kind');
    expect(out).toContain('go install sigs.k8s.io/kind@v0.33.0');
  });

  test('an unknown provider is a usage error', async () => {
    const { status, err } = await cli(['doctor', '--provider', 'minikube']);
    expect(status).toBe(2);
    expect(err).toContain('got `minikube`');
  });
});
