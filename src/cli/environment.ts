// The INCLUSTER_* environment variable of each global option, in one table: the options' help names
// it, `--help` lists them all, and before a command runs the variables it was given fill the options
// the command line left unset. A flag beats its variable; a variable with a value the option would
// refuse is a usage error naming the variable, never ignored. Read from the CLI's own `env` (CliIo),
// not by commander from process.env, so a command run in-process sees the environment it was given.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { PROVIDER_CHOICES } from '../provider-names.ts';

interface OptionVariable {
  /** The option's attribute name (`provider` for `--provider`). */
  option: string;
  variable: string;
  /** What the variable sets, for the help's Environment section. */
  sets: string;
  /** The option's value from the variable's text, or a reason it is not valid. */
  parse: (text: string, cwd: string) => string | boolean | { invalid: string };
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function switchValue(text: string): boolean | { invalid: string } {
  const value = text.toLowerCase();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  return { invalid: `expected one of ${[...TRUE, ...FALSE].join(', ')}` };
}

function existingFile(text: string, cwd: string): string | { invalid: string } {
  return existsSync(resolve(cwd, text)) ? text : { invalid: 'no such file' };
}

/** Every global option and its variable, in the order the help lists them. */
export const OPTION_VARIABLES: readonly OptionVariable[] = [
  {
    option: 'config',
    variable: 'INCLUSTER_CONFIG',
    sets: 'the config file (--config)',
    parse: existingFile,
  },
  {
    option: 'provider',
    variable: 'INCLUSTER_PROVIDER',
    sets: `the cluster provider (--provider): ${PROVIDER_CHOICES.join(', ')}`,
    parse: (text) =>
      (PROVIDER_CHOICES as readonly string[]).includes(text)
        ? text
        : { invalid: `expected one of ${PROVIDER_CHOICES.join(', ')}` },
  },
  {
    option: 'kubeconfig',
    variable: 'INCLUSTER_KUBECONFIG',
    sets: 'the kubeconfig of an existing cluster (--kubeconfig)',
    parse: existingFile,
  },
  {
    option: 'context',
    variable: 'INCLUSTER_CONTEXT',
    sets: 'its context (--context)',
    parse: (text) => text,
  },
  {
    option: 'verbose',
    variable: 'INCLUSTER_VERBOSE',
    sets: 'print each Kubernetes request and external command (--verbose): 1 or 0',
    parse: switchValue,
  },
  {
    option: 'quiet',
    variable: 'INCLUSTER_QUIET',
    sets: 'print only the result (--quiet): 1 or 0',
    parse: switchValue,
  },
];

/** `description (env: INCLUSTER_X)`: an option's help, naming its variable. */
export function withVariable(option: string, description: string): string {
  const entry = OPTION_VARIABLES.find((candidate) => candidate.option === option);
  if (!entry) throw new Error(`no environment variable for --${option}`);
  return `${description} (env: ${entry.variable})`;
}

/** The Environment section of the program's help. */
export function environmentHelp(): string {
  const width = Math.max(...OPTION_VARIABLES.map((entry) => entry.variable.length));
  const lines = OPTION_VARIABLES.map((entry) => `  ${entry.variable.padEnd(width)}  ${entry.sets}`);
  return `\nEnvironment (a flag on the command line wins; an empty variable counts as unset):\n${lines.join('\n')}`;
}

/**
 * Fills each option of `command` the command line left unset from its variable in `env`. Throws a
 * UsageError naming the variable when its value is not one the option takes.
 */
export function applyEnvironment(command: Command, env: NodeJS.ProcessEnv, cwd: string): void {
  const takes = (name: string) => command.options.some((option) => option.attributeName() === name);
  for (const entry of OPTION_VARIABLES) {
    const text = env[entry.variable];
    if (text === undefined || text === '') continue;
    if (!takes(entry.option)) {
      // A command that works on a cluster but cannot honour this variable (up, down and run take
      // the cluster from the config): an error, so a kubeconfig the user pointed at is never
      // silently replaced by another. Commands that touch no cluster (trace, init) pass it by.
      if (takes('provider')) throw unhonoured(command, entry, text);
      continue;
    }
    // The flag wins: the variable is not read at all (as kubectl treats KUBECONFIG beside --kubeconfig).
    if (command.getOptionValueSource(entry.option) === 'cli') continue;
    const value = entry.parse(text, cwd);
    if (typeof value === 'object')
      throw new UsageError(`${entry.variable}=${text} is not valid: ${value.invalid}`, {
        hint: `${entry.variable} sets ${entry.sets}; correct or unset it, or give the flag, which wins`,
      });
    command.setOptionValueWithSource(entry.option, value, 'env');
  }
}

/** The error for a variable `command` has no option for. */
function unhonoured(command: Command, entry: OptionVariable, text: string): UsageError {
  const where = CONFIG_FIELDS[entry.option];
  return new UsageError(
    `${entry.variable}=${text} is set, but \`incluster ${command.name()}\` has no --${entry.option} to take it`,
    {
      hint: where
        ? `set ${where} in incluster.config.yaml (the existing provider), or unset ${entry.variable}`
        : `unset ${entry.variable} for this command`,
    },
  );
}

/** The config field that does the job of an option a cluster command does not take. */
const CONFIG_FIELDS: Record<string, string> = {
  kubeconfig: 'cluster.existing.kubeconfig',
  context: 'cluster.existing.context',
};

/** Where an option's value came from, as a person would name it: `--provider` or `INCLUSTER_PROVIDER`. */
export function optionOrigin(command: Command, option: string): string {
  const entry = OPTION_VARIABLES.find((candidate) => candidate.option === option);
  return command.getOptionValueSource(option) === 'env' && entry ? entry.variable : `--${option}`;
}
