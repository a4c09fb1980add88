// The `--provider` option of up, down, run and doctor and its help section, built from the one list
// of providers (src/provider-names.ts), so no command spells the names itself. The value is
// validated where it is used (selectProvider, doctor), so programmatic callers get the same error.
import type { Command } from 'commander';
import { offerValues } from './completion/values.ts';
import { withVariable } from './environment.ts';
import { orList, PROVIDER_CHOICES, PROVIDER_SUMMARIES, type ProviderChoice } from '../provider-names.ts';

/** Adds `-p, --provider <name>` and a `Providers:` help section with one line on each of `choices`. */
export function addProviderOption(
  command: Command,
  options: { choices?: readonly ProviderChoice[]; describe?: (choices: string) => string } = {},
): Command {
  const choices = options.choices ?? PROVIDER_CHOICES;
  const describe = options.describe ?? ((list) => `${list} (default: from config, else auto)`);
  command.option('-p, --provider <name>', withVariable('provider', describe(orList(choices))));
  return offerValues(command, '--provider', choices).addHelpText('after', providersHelp(choices));
}

/** Each provider and what it is, aligned, for `--help`. */
function providersHelp(choices: readonly ProviderChoice[]): string {
  const width = Math.max(...choices.map((name) => name.length));
  const lines = choices.map((name) => `  ${name.padEnd(width)}  ${PROVIDER_SUMMARIES[name]}`);
  return `\nProviders:\n${lines.join('\n')}`;
}
