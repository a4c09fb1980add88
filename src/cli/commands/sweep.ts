// `incluster sweep`: delete test namespaces left behind by crashed runs.
import type { Command } from 'commander';
import { defineCommand, type CommandContext } from '../command.ts';
import { notImplemented } from './not-implemented.ts';

/** Builds the `sweep` command. */
export function sweepCommand(ctx: CommandContext): Command {
  return defineCommand(ctx, {
    name: 'sweep',
    summary: 'delete expired test namespaces left by crashed runs',
    description:
      'Deletes namespaces labelled app.kubernetes.io/managed-by=incluster whose expiry annotation has passed, and prints what it deleted. Namespaces incluster did not create are never touched.',
    examples: ['incluster sweep --dry-run', 'incluster sweep --all'],
    configure: (command) =>
      command
        .option('--dry-run', 'list what would be deleted, delete nothing')
        .option('--all', 'also delete incluster namespaces that have not expired yet'),
    action: () => notImplemented('sweep'),
  });
}
