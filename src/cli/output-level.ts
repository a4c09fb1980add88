// --verbose and --quiet, applied before a command's action: verbose turns on the verbose lines
// (src/verbose) on the command's stderr, quiet gives the command a stderr that keeps nothing, so
// only its result (stdout) and, from the program, an error are printed.
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { startVerbose } from '../verbose/log.ts';
import { listRequests } from '../verbose/requests.ts';
import type { CommandContext } from './command.ts';

/** Applies the command's --verbose or --quiet to `ctx`; returns what undoes it when the command ends. */
export function applyOutputLevel(command: Command, ctx: CommandContext): () => void {
  const { verbose, quiet } = command.opts<{ verbose?: boolean; quiet?: boolean }>();
  if (verbose && quiet)
    throw new UsageError(
      '--verbose and --quiet contradict each other (or INCLUSTER_VERBOSE and INCLUSTER_QUIET)',
      {
        hint: 'give one of them',
      },
    );
  if (quiet) {
    ctx.io = { ...ctx.io, stderr: new Writable({ write: (_chunk, _encoding, done) => done() }) };
    return () => undefined;
  }
  if (!verbose) return () => undefined;
  const { stderr } = ctx.io;
  const stopLines = startVerbose((text) => stderr.write(text));
  const stopRequests = listRequests();
  return () => {
    stopRequests();
    stopLines();
  };
}
