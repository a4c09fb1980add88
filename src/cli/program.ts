// The incluster command line: builds the program from one module per command and runs it.
// `runCli` never exits the process; it returns the exit status (only main.ts exits).
import { Command, CommanderError } from 'commander';
import { annotationCommand, inGitHubActions } from '../ci/github.ts';
import { describeError, exitStatusOf, ExitStatus } from '../errors.ts';
import type { CommandContext } from './command.ts';
import { applyEnvironment, environmentHelp } from './environment.ts';
import { EXIT_STATUS_HELP } from './help.ts';
import { applyOutputLevel } from './output-level.ts';
import type { CliIo } from './io.ts';
import { packageVersion } from './version.ts';

type CommandFactory = (ctx: CommandContext) => Command;

// Each command's module, in the order help lists them. Only the command being run is loaded (all
// of them for help, --version or a name we do not know), so a command does not pay at start-up for
// what the others import: `trace` without a config file needs neither yaml nor zod.
const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  up: async () => (await import('./commands/up.ts')).upCommand,
  down: async () => (await import('./commands/down.ts')).downCommand,
  run: async () => (await import('./commands/run.ts')).runCommand,
  trace: async () => (await import('./commands/trace.ts')).traceCommand,
  sweep: async () => (await import('./commands/sweep.ts')).sweepCommand,
  doctor: async () => (await import('./commands/doctor.ts')).doctorCommand,
  cache: async () => (await import('./commands/cache.ts')).cacheCommand,
  init: async () => (await import('./commands/init.ts')).initCommand,
  completion: async () => (await import('./commands/completion.ts')).completionCommand,
};

/** Runs the CLI with `args` (without the node and script paths); resolves to the exit status. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let status: number = ExitStatus.ok;
  const ctx: CommandContext = { io, exit: (code) => (status = code) };
  // What --verbose turned on, turned off when the command ends (runCli may run again in-process).
  let endOutputLevel = (): void => undefined;
  const program = new Command('incluster')
    .description(
      'Kubernetes-native integration testing: bring up a cluster, run your suite inside it against real services, copy the results out, and prove which requirement each test covers.',
    )
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    // Before any command's action: the INCLUSTER_* variables fill the options left unset.
    .hook('preAction', (_program, command) => {
      applyEnvironment(command, io.env, io.cwd);
      endOutputLevel = applyOutputLevel(command, ctx);
    })
    .addHelpText(
      'after',
      `
Typical flow:
  $ incluster up          bring up the cluster and its services
  $ incluster run         run the suite inside the cluster, copy results out
  $ incluster trace       requirement coverage of the tests
  $ incluster down        remove what up created
${environmentHelp()}
${EXIT_STATUS_HELP}`,
    );
  try {
    // completion describes every command, so it needs them all, like help.
    const named =
      args[0] !== undefined && args[0] !== 'completion' && Object.hasOwn(COMMANDS, args[0])
        ? [args[0]]
        : undefined;
    for (const load of (named ?? Object.keys(COMMANDS)).map((name) => COMMANDS[name]!)) {
      const make = await load();
      program.addCommand(make(ctx).exitOverride().configureOutput(program.configureOutput()));
    }
    await program.parseAsync([...args], { from: 'user' });
    if (args.length === 0) {
      program.outputHelp({ error: true });
      return ExitStatus.usage;
    }
    // A command that went on after an interrupt (down finishing its removal) still ends as interrupted.
    return io.signal.aborted ? ExitStatus.interrupted : status;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end parsing through this path with exit code 0.
      return error.exitCode === 0 ? ExitStatus.ok : ExitStatus.usage;
    }
    if (io.signal.aborted) {
      // Whatever failed after an interrupt failed because of it: say so, not what broke on the way,
      // and whether the cleanup left anything (it says so itself when it could not remove it).
      const left = io.interrupts?.leftovers() ?? [];
      io.stderr.write(
        left.length === 0
          ? 'incluster: interrupted; what this command had started was cleaned up\n'
          : `incluster: interrupted; left behind: ${left.map((l) => `${l.what} (remove with: ${l.removeWith})`).join('; ')}\n`,
      );
      return ExitStatus.interrupted;
    }
    io.stderr.write(`incluster: ${describeError(error)}\n`);
    // Under GitHub Actions the error is also an annotation on the run, where people look first.
    if (inGitHubActions(io.env))
      io.stderr.write(
        `${annotationCommand({ level: 'error', title: `incluster ${args[0] ?? ''}`.trim(), message: describeError(error) })}\n`,
      );
    return exitStatusOf(error);
  } finally {
    endOutputLevel();
  }
}
