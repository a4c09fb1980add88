// The contract between the program and each command module: a command builds its commander
// definition and returns, from its action, the exit status it wants.
import { Command } from 'commander';
import type { CliIo } from './io.ts';
import { withVariable } from './environment.ts';
import { CONFIG_HELP, EXIT_STATUS_HELP } from './help.ts';

export interface CommandContext {
  io: CliIo;
  /** Records the exit status of the command that ran. */
  exit(status: number): void;
}

/** Declares a subcommand with the shared help sections and an action returning an exit status. */
export function defineCommand<Options>(
  ctx: CommandContext,
  spec: {
    name: string;
    summary: string;
    description: string;
    examples?: string[];
    configure?: (command: Command) => void;
    action: (options: Options, command: Command) => Promise<number>;
  },
): Command {
  const command = new Command(spec.name).summary(spec.summary).description(spec.description);
  command.option(
    '-c, --config <file>',
    withVariable('config', 'use this incluster.config.yaml instead of searching for one'),
  );
  addOutputOptions(command);
  spec.configure?.(command);
  const examples = spec.examples?.length
    ? `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`
    : '';
  command.addHelpText('after', `${examples}${CONFIG_HELP}\n${EXIT_STATUS_HELP}`);
  // Commander passes one parameter per declared argument before the options and the command, so
  // take the command (always last) and read its options from it.
  command.action(async (...params: unknown[]) => {
    const cmd = params[params.length - 1] as Command;
    ctx.exit(await spec.action(cmd.opts<Options & Record<string, unknown>>(), cmd));
  });
  return command;
}

/** `--verbose` and `--quiet`, which every command takes (applied by the program, output-level.ts). */
export function addOutputOptions(command: Command): Command {
  return command
    .option(
      '-v, --verbose',
      withVariable(
        'verbose',
        'also print each Kubernetes request and external command, with durations, to stderr (secrets redacted)',
      ),
    )
    .option('-q, --quiet', withVariable('quiet', 'print only the result: no progress, no notes'));
}
