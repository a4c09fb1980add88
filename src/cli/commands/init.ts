// `incluster init`: scaffold incluster into an existing repository without overwriting anything.
import type { Command } from 'commander';
import { defineCommand, type CommandContext } from '../command.ts';
import { notImplemented } from './not-implemented.ts';

/** Builds the `init` command. */
export function initCommand(ctx: CommandContext): Command {
  return defineCommand(ctx, {
    name: 'init',
    summary: 'scaffold config, manifests, Dockerfile, Makefile and CI into a repository',
    description:
      'Writes incluster.config.yaml, the kind config, service manifests, the runner Dockerfile, Makefile targets, a GitHub Actions workflow, an example integration test and a spec template. A file that already exists is never overwritten: conflicts are reported with a diff (use --force to overwrite).',
    examples: ['incluster init', 'incluster init --dry-run', 'incluster init --force'],
    configure: (command) =>
      command
        .option('--dry-run', 'show what would be written, write nothing')
        .option('--force', 'overwrite files that differ from the templates'),
    action: () => notImplemented('init'),
  });
}
