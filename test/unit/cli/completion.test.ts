// `incluster completion`: scripts generated from the command definitions. The bash script is loaded
// into a real bash and asked, as bash's programmable completion asks, what each line completes to.
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { runCliCaptured } from '../../support/cli.ts';

const COMMANDS = ['up', 'down', 'run', 'trace', 'sweep', 'doctor', 'cache', 'init', 'completion'];

async function script(shell: string): Promise<string> {
  const { status, out, err } = await runCliCaptured(['completion', shell]);
  expect(status, err).toBe(0);
  return out;
}

/** What bash completes each line (words as typed, the last one being completed) to, one array each. */
async function bashCompletes(lines: string[][]): Promise<{ registered: string; replies: string[][] }> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-completion-'));
  const file = join(dir, 'incluster.bash');
  await writeFile(file, await script('bash'));
  const calls = lines.map((words) => `ask ${words.map((w) => `'${w}'`).join(' ')}`).join('\n');
  const program = `
source '${file}'
complete -p incluster
ask() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _incluster; echo "\${COMPREPLY[*]}"; }
${calls}
`;
  const { stdout } = await promisify(execFile)('bash', ['--norc', '--noprofile', '-c', program], {
    cwd: dir,
  });
  const [registered, ...replies] = stdout.split('\n');
  return {
    registered: registered!,
    replies: replies.slice(0, lines.length).map((r) => r.split(' ').filter(Boolean)),
  };
}

describe('incluster completion', { tags: ['001-FR-149'] }, () => {
  test('bash completes subcommands, options and option values from the definitions', async () => {
    const { registered, replies } = await bashCompletes([
      ['incluster', ''],
      ['incluster', 'd'],
      ['incluster', 'run', '--pro'],
      ['incluster', 'run', '--provider', ''],
      ['incluster', 'doctor', '-p', ''],
      ['incluster', '--verbose', 'cache', ''],
      ['incluster', 'run', '--config', 'x.yaml', '--ke'],
      ['incluster', 'trace', '--format', 'm'],
      ['incluster', 'completion', ''],
      ['incluster', 'run', '--', '--pro'],
    ]);
    expect(registered).toBe('complete -o default -F _incluster incluster');
    expect(replies[0]).toEqual([...COMMANDS, '--version', '--help']);
    expect(replies[1]).toEqual(['down', 'doctor']);
    expect(replies[2]).toEqual(['--provider']);
    expect(replies[3]).toEqual(['auto', 'kind', 'local', 'existing']);
    expect(replies[4]).toEqual(['kind', 'local', 'existing']); // doctor's own choices: no auto
    expect(replies[5]).toEqual(['prune', '--help']);
    expect(replies[6]).toEqual(['--keep']); // --config's value was skipped, not taken for a command
    expect(replies[7]).toEqual(['md']);
    expect(replies[8]).toEqual(['bash', 'zsh', 'fish', '--help']);
    expect(replies[9]).toEqual([]); // after --, the test runner's arguments
  });

  test('a new option of a command is completed without touching the scripts', async () => {
    const { out } = await runCliCaptured(['completion', 'bash']);
    for (const [command, option] of [
      ['sweep', '--run'],
      ['init', '--dry-run'],
      ['up', '--merge'],
    ] as const)
      expect(out).toMatch(new RegExp(`^incluster ${command}\\t.*${option}\\b`, 'm'));
  });

  test('zsh loads the bash completion through bashcompinit; fish has the same table', async () => {
    const zsh = await script('zsh');
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain('complete -o default -F _incluster incluster');
    const fish = await script('fish');
    expect(fish).toContain("complete -c incluster -f -a '(__incluster_complete)'");
    expect(fish).toMatch(/^incluster run --provider\tauto kind local existing$/m);
  });

  test('an unknown shell is a usage error', async () => {
    const { status, err } = await runCliCaptured(['completion', 'tcsh']);
    expect(status).toBe(2);
    expect(err).toContain('Allowed choices are bash, zsh, fish');
  });
});
