// The INCLUSTER_* variable of each global option: listed in --help, filling what the command line
// left unset, beaten by the flag, and a usage error naming the variable when its value is wrong.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { describe, expect, test } from 'vitest';
import { applyEnvironment, OPTION_VARIABLES, optionOrigin } from '../../../src/cli/environment.ts';
import { UsageError } from '../../../src/errors.ts';
import { runCliCaptured } from '../../support/cli.ts';

const CLI = join(import.meta.dirname, '../../../src/cli/main.ts');

function parsed(args: string[], env: NodeJS.ProcessEnv): Command {
  const command = new Command('x')
    .option('-p, --provider <name>')
    .option('--context <name>')
    .option('-c, --config <file>')
    .exitOverride();
  command.parse(args, { from: 'user' });
  applyEnvironment(command, env, import.meta.dirname);
  return command;
}

async function cli(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  return runCliCaptured(args, { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, cwd });
}

describe('INCLUSTER_* variables of the global options', { tags: ['001-FR-146'] }, () => {
  test('a variable fills an option left unset; the flag beats it; empty counts as unset', () => {
    const fromEnv = parsed([], { INCLUSTER_PROVIDER: 'kind', INCLUSTER_CONTEXT: 'ci' });
    expect(fromEnv.opts()).toMatchObject({ provider: 'kind', context: 'ci' });
    expect(optionOrigin(fromEnv, 'provider')).toBe('INCLUSTER_PROVIDER');
    const flag = parsed(['--provider', 'local'], { INCLUSTER_PROVIDER: 'kind' });
    expect(flag.opts().provider).toBe('local');
    expect(optionOrigin(flag, 'provider')).toBe('--provider');
    expect(parsed([], { INCLUSTER_PROVIDER: '' }).opts().provider).toBeUndefined();
  });

  test('a cluster command that cannot honour a variable says so; one without a cluster passes it by', () => {
    // This command takes --provider (it works on a cluster) but has no --kubeconfig.
    expect(() => parsed([], { INCLUSTER_KUBECONFIG: '/elsewhere/kubeconfig' })).toThrow(
      'INCLUSTER_KUBECONFIG=/elsewhere/kubeconfig is set, but `incluster x` has no --kubeconfig to take it',
    );
    const noCluster = new Command('trace').option('-c, --config <file>').exitOverride();
    noCluster.parse([], { from: 'user' });
    applyEnvironment(noCluster, { INCLUSTER_KUBECONFIG: '/elsewhere', INCLUSTER_PROVIDER: 'kind' }, '.');
    expect(noCluster.opts()).toEqual({});
  });

  test('an invalid value is a usage error naming the variable', () => {
    expect(() => parsed([], { INCLUSTER_PROVIDER: 'minikube' })).toThrow(UsageError);
    expect(() => parsed([], { INCLUSTER_PROVIDER: 'minikube' })).toThrow(
      'INCLUSTER_PROVIDER=minikube is not valid: expected one of auto, kind, local, existing',
    );
    expect(() => parsed([], { INCLUSTER_CONFIG: 'absent.yaml' })).toThrow(
      'INCLUSTER_CONFIG=absent.yaml is not valid: no such file',
    );
  });

  test('--help lists every variable, and each option names its own', async () => {
    const { out } = await cli(['--help'], {});
    for (const entry of OPTION_VARIABLES) expect(out).toContain(`  ${entry.variable}`);
    const sweep = (await cli(['sweep', '--help'], {})).out.replace(/\s+/g, ' ');
    for (const variable of ['INCLUSTER_CONFIG', 'INCLUSTER_KUBECONFIG', 'INCLUSTER_CONTEXT'])
      expect(sweep).toContain(`(env: ${variable})`);
    expect((await cli(['up', '--help'], {})).out).toContain('(env: INCLUSTER_PROVIDER)');
  });

  test('doctor checks the provider INCLUSTER_PROVIDER names, unless --provider says otherwise', async () => {
    const names = (out: string) =>
      (JSON.parse(out) as { providers: { provider: string }[] }).providers.map((p) => p.provider);
    const fromEnv = await cli(['doctor', '--json'], { INCLUSTER_PROVIDER: 'existing' });
    expect(names(fromEnv.out)).toEqual(['existing']);
    const flag = await cli(['doctor', '--json', '--provider', 'kind'], { INCLUSTER_PROVIDER: 'existing' });
    expect(names(flag.out)).toEqual(['kind']);
  });

  test('INCLUSTER_CONFIG is the config file a command reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-env-'));
    await writeFile(join(dir, 'other.yaml'), 'cluster: { provider: nonsense }\n');
    const { status, err } = await cli(['doctor'], { INCLUSTER_CONFIG: 'other.yaml' }, dir);
    expect(status).toBe(2);
    expect(err).toContain(`${join(dir, 'other.yaml')}:1: cluster.provider`);
  });

  test('the real CLI exits 2 naming a wrong variable', async () => {
    const error = await promisify(execFile)(process.execPath, [CLI, 'doctor'], {
      env: { ...process.env, INCLUSTER_PROVIDER: 'minikube' },
    }).then(
      () => undefined,
      (caught: unknown) => caught as { code: number; stderr: string },
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain('INCLUSTER_PROVIDER=minikube is not valid');
  });
});
