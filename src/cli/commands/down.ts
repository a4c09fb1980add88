// `incluster down`: remove what `up` created, and nothing else.
import type { Command } from 'commander';
import { ExitStatus } from '../../errors.ts';
import { clusterCommandContext } from '../cluster-context.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { addProviderOption } from '../provider-option.ts';

interface DownOptions {
  config?: string;
  provider?: string;
}

/** Builds the `down` command. */
export function downCommand(ctx: CommandContext): Command {
  return defineCommand<DownOptions>(ctx, {
    name: 'down',
    summary: 'remove the cluster and everything incluster created',
    description:
      "Deletes what `up` created: the Helm releases it installed, then the kind cluster, or the local cluster's processes, mounts, network interfaces, iptables chains and state; on an existing cluster only the namespaces incluster made. Idempotent: running it when nothing is up succeeds.",
    examples: ['incluster down', 'sudo incluster down --provider local'],
    configure: (command) => addProviderOption(command),
    action: async (options) => {
      const cluster = await clusterCommandContext(ctx.io, options);
      const { tearDown } = await import('../../cluster/lifecycle.ts');
      await tearDown(cluster.selection.provider, cluster.providerContext);
      cluster.status.info(
        `cluster ${cluster.loaded.config.cluster.name} (${cluster.selection.name}) removed`,
      );
      return ExitStatus.ok;
    },
  });
}
