// `incluster doctor`: for each provider, which prerequisites are present and which are missing.
import type { Command } from 'commander';
import { ExitStatus, UsageError } from '../../errors.ts';
import { loadConfig } from '../../config/load.ts';
import type { ProviderDiagnosis } from '../../cluster/prerequisites.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println } from '../io.ts';

interface DoctorOptions {
  config?: string;
  provider?: string;
  json?: boolean;
}

const PROVIDERS = ['kind', 'local', 'existing'] as const;

/** Builds the `doctor` command. */
export function doctorCommand(ctx: CommandContext): Command {
  return defineCommand<DoctorOptions>(ctx, {
    name: 'doctor',
    summary: 'check the prerequisites of each cluster provider',
    description:
      'Reports, for each provider (kind, local, existing), which prerequisites are present and which are missing, with the command that fixes each. Exits 0 when the chosen provider (or, without --provider, at least one) is usable, 3 otherwise.',
    examples: ['incluster doctor', 'incluster doctor --provider local', 'incluster doctor --json'],
    configure: (command) =>
      command
        .option('-p, --provider <name>', 'check only this provider: kind, local or existing')
        .option('--json', 'print the diagnosis as JSON on stdout'),
    action: async (options) => {
      const { io } = ctx;
      if (options.provider && !PROVIDERS.includes(options.provider as (typeof PROVIDERS)[number])) {
        throw new UsageError(
          `--provider must be one of ${PROVIDERS.join(', ')}, got \`${options.provider}\``,
        );
      }
      const { config } = await loadConfig({ cwd: io.cwd, file: options.config });
      const wanted = options.provider ? [options.provider] : PROVIDERS;
      const { diagnoseKind } = await import('../../cluster/providers/kind/prerequisites.ts');
      const { diagnoseLocal } = await import('../../cluster/providers/local/prerequisites.ts');
      const { diagnoseExisting } = await import('../../cluster/providers/existing/prerequisites.ts');
      const diagnoses: ProviderDiagnosis[] = [];
      for (const provider of wanted) {
        if (provider === 'kind') diagnoses.push(await diagnoseKind(io.env));
        if (provider === 'local') diagnoses.push(await diagnoseLocal(io.env));
        if (provider === 'existing') diagnoses.push(await diagnoseExisting(config.cluster.existing));
      }
      if (options.json) println(io.stdout, JSON.stringify({ providers: diagnoses }, null, 2));
      else io.stdout.write((await import('../../cluster/prerequisites.ts')).renderDiagnoses(diagnoses));
      return diagnoses.some((d) => d.usable) ? ExitStatus.ok : ExitStatus.infrastructure;
    },
  });
}
