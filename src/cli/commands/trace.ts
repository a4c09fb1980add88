// `incluster trace`: requirement coverage of the tests, and the CI gate on it.
import type { Command } from 'commander';
import { defineCommand, type CommandContext } from '../command.ts';
import { notImplemented } from './not-implemented.ts';

/** Builds the `trace` command. */
export function traceCommand(ctx: CommandContext): Command {
  return defineCommand(ctx, {
    name: 'trace',
    summary: 'report which requirements the tests cover, and gate on it',
    description:
      'Reads the requirements from the spec files and the requirement IDs tagged on each test (without running the tests), and reports coverage, untagged tests, unknown IDs and suspect links.',
    examples: ['incluster trace', 'incluster trace --threshold 90 --format md --out trace.md'],
    configure: (command) =>
      command
        .option('--threshold <percent>', 'minimum coverage; below it the exit status is 1')
        .option('--format <format>', 'table, json, md or html', 'table')
        .option('--out <file>', 'write the report to a file instead of stdout'),
    action: () => notImplemented('trace'),
  });
}
