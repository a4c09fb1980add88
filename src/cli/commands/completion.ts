// `incluster completion bash|zsh|fish`: the shell's completion script, generated from the program's
// own command definitions (the program loads every command for this one).
import { Argument, Command } from 'commander';
import { ExitStatus } from '../../errors.ts';
import type { CommandContext } from '../command.ts';
import { completionScript, SHELLS, type Shell } from '../completion/scripts.ts';
import { EXIT_STATUS_HELP } from '../help.ts';

/** Builds the `completion` command. */
export function completionCommand(ctx: CommandContext): Command {
  return new Command('completion')
    .summary('print the shell completion script (bash, zsh or fish)')
    .description(
      "Prints a script that completes incluster's commands, their options and the values of options such as --provider, made from this incluster's own command definitions. Load it in your shell's startup file; print it again after upgrading incluster.",
    )
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  $ source <(incluster completion bash)       # in ~/.bashrc
  $ source <(incluster completion zsh)        # in ~/.zshrc
  $ incluster completion fish | source        # in ~/.config/fish/config.fish
  $ incluster completion bash > ~/.local/share/bash-completion/completions/incluster
${EXIT_STATUS_HELP}`,
    )
    .action((shell: Shell, _options: unknown, command: Command) => {
      ctx.io.stdout.write(completionScript(command.parent!, shell));
      ctx.exit(ExitStatus.ok);
    });
}
