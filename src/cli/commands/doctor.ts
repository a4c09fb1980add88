// `incluster doctor`: for each provider, which prerequisites are present and which are missing.
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitStatus } from '../../errors.ts';
import { loadConfig } from '../../config/load.ts';
import type { ProviderDiagnosis } from '../../cluster/prerequisites.ts';
import { parseProviderFlag, PROVIDER_NAMES } from '../../provider-names.ts';
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
    description: `Reports, for each provider (${PROVIDER_NAMES.join(', ')}), which prerequisites are present and which are missing, with the command that fixes each. It also warns when the runner Dockerfile does not match the project's package manager or lockfile. Exits 0 when the chosen provider (or, without --provider, at least one) is usable, 3 otherwise.`,
    examples: ['incluster doctor', 'incluster doctor --provider local', 'incluster doctor --json'],
    configure: (command) =>
      addProviderOption(command, {
        choices: PROVIDER_NAMES,
        describe: (list) => `check only this provider: ${list}`,
      }).option('--json', 'print the diagnosis as JSON on stdout'),
    action: async (options, command) => {
      const { io } = ctx;
      // `auto` from INCLUSTER_PROVIDER (set for the other commands) checks every provider; typed as
      // --provider auto it is refused like any name doctor cannot check on its own.
      const autoFromEnv = options.provider === 'auto' && command.getOptionValueSource('provider') === 'env';
      const wanted =
        options.provider && !autoFromEnv
          ? [parseProviderFlag(options.provider, PROVIDER_NAMES)]
          : PROVIDER_NAMES;
      const { config, root } = await loadConfig({ cwd: io.cwd, file: options.config });
      // Loaded here: each diagnosis loads only its own provider's checks.
      const { providerRegistry } = await import('../../cluster/providers/registry.ts');
      const diagnoses: ProviderDiagnosis[] = [];
      for (const name of wanted) diagnoses.push(await providerRegistry[name].diagnose(config, io.env));
      const project = await projectWarnings(root, config.runner.dockerfile);
      if (options.json) println(io.stdout, JSON.stringify({ providers: diagnoses, project }, null, 2));
      else {
        io.stdout.write((await import('../../cluster/prerequisites.ts')).renderDiagnoses(diagnoses));
        for (const warning of project.warnings)
          io.stdout.write(`\nwarning: ${warning.message}\n  fix: ${warning.fix}\n`);
      }
      return diagnoses.some((d) => d.usable) ? ExitStatus.ok : ExitStatus.infrastructure;
    },
  });
}

/** What in the project itself would make `incluster run` fail: the runner Dockerfile and the lockfile. */
async function projectWarnings(
  root: string,
  dockerfile: string,
): Promise<{ warnings: { message: string; fix: string }[] }> {
  const path = resolve(root, dockerfile);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return { warnings: [] };
  const { dockerfileAdvice } = await import('../../init/package-manager.ts');
  const advice = dockerfileAdvice(root, relative(root, path) || path, text);
  return { warnings: advice ? [advice] : [] };
}
