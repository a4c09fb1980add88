// `incluster down`: remove what `up` created, and nothing else.
import type { Command } from 'commander';
import { defineCommand, type CommandContext } from '../command.ts';
import { notImplemented } from './not-implemented.ts';

/** Builds the `down` command. */
export function downCommand(ctx: CommandContext): Command {
  return defineCommand(ctx, {
    name: 'down',
    summary: 'remove the cluster and everything incluster created',
    description:
      "Deletes what `up` created: the kind cluster, or the local cluster's processes, mounts, network interfaces, iptables chains and state; on an existing cluster only the namespaces incluster made. Idempotent: running it when nothing is up succeeds.",
    examples: ['incluster down', 'incluster down --provider local'],
    configure: (command) => command.option('-p, --provider <name>', 'auto, kind, local or existing'),
    action: () => notImplemented('down'),
  });
}
