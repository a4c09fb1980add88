// `incluster doctor`: for each provider, which prerequisites are present and which are missing.
import type { Command } from 'commander';
import { ExitStatus } from '../../errors.ts';
import { loadConfig } from '../../config/load.ts';
import type { ProviderDiagnosis } from '../../cluster/prerequisites.ts';
import { parseProviderFlag, PROVIDER_NAMES } from '../../cluster/provider-names.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println } from '../io.ts';
import { addProviderOption } from '../provider-option.ts';

interface DoctorOptions {
  config?: string;
  provider?: string;
  json?: boolean;
}

/** Builds the `doctor` command. */
export function doctorCommand(ctx: CommandContext): Command {
  return defineCommand<DoctorOptions>(ctx, {
    name: 'doctor',
    summary: 'check the prerequisites of each cluster provider',
    description: `Reports, for each provider (${PROVIDER_NAMES.join(', ')}), which prerequisites are present and which are missing, with the command that fixes each. Exits 0 when the chosen provider (or, without --provider, at least one) is usable, 3 otherwise.`,
    examples: ['incluster doctor', 'incluster doctor --provider local', 'incluster doctor --json'],
    configure: (command) =>
      addProviderOption(command, {
        choices: PROVIDER_NAMES,
        describe: (list) => `check only this provider: ${list}`,
      }).option('--json', 'print the diagnosis as JSON on stdout'),
    action: async (options) => {
      const { io } = ctx;
      const wanted = options.provider
        ? [parseProviderFlag(options.provider, PROVIDER_NAMES)]
        : PROVIDER_NAMES;
      const { config } = await loadConfig({ cwd: io.cwd, file: options.config });
      // Loaded here: each diagnosis loads only its own provider's checks.
      const { providerRegistry } = await import('../../cluster/providers/registry.ts');
      const diagnoses: ProviderDiagnosis[] = [];
      for (const name of wanted) diagnoses.push(await providerRegistry[name].diagnose(config, io.env));
      if (options.json) println(io.stdout, JSON.stringify({ providers: diagnoses }, null, 2));
      else io.stdout.write((await import('../../cluster/prerequisites.ts')).renderDiagnoses(diagnoses));
      return diagnoses.some((d) => d.usable) ? ExitStatus.ok : ExitStatus.infrastructure;
    },
  });
}
