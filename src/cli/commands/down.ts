// `incluster down`: remove what `up` created, and nothing else.
import type { Command } from 'commander';
import { describeError, ExitStatus } from '../../errors.ts';
import { clusterCommandContext } from '../cluster-context.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println } from '../io.ts';
import { addProviderOption } from '../provider-option.ts';

interface DownOptions {
  config?: string;
  provider?: string;
  json?: boolean;
}

/** Builds the `down` command. */
export function downCommand(ctx: CommandContext): Command {
  return defineCommand<DownOptions>(ctx, {
    name: 'down',
    summary: 'remove the cluster and everything incluster created',
    description:
      "Deletes what `up` created: the Helm releases it installed, then the kind cluster, or the local cluster's processes, mounts, network interfaces, iptables chains and state; on an existing cluster only the namespaces incluster made. Idempotent: running it when nothing is up succeeds.",
    examples: ['incluster down', 'sudo incluster down --provider local'],
    configure: (command) =>
      addProviderOption(command).option(
        '--json',
        'print the result (cluster, provider, interrupted, timings) as JSON on stdout',
      ),
    action: async (options, command) => {
      const { io } = ctx;
      // Stopping half-way would leave a half-removed cluster that nothing else removes: on the
      // first interrupt down goes on, on a second it stops and says what is left.
      io.interrupts?.finishes('down goes on removing the cluster');
      const cluster = await clusterCommandContext(io, { ...options, command });
      const name = `the ${cluster.selection.name} cluster ${cluster.loaded.config.cluster.name}`;
      const release = io.interrupts?.hold({
        what: `${name}, partly removed`,
        removeWith: cluster.providerContext.downCommand ?? 'incluster down',
      });
      const { tearDown } = await import('../../cluster/lifecycle.ts');
      // Its own signal, never aborted by the interrupt: the removal is what an interrupt wants done.
      await tearDown(cluster.selection.provider, {
        ...cluster.providerContext,
        signal: new AbortController().signal,
      }).catch((error: unknown) => {
        // After an interrupt the CLI says only "interrupted": what failed must still be said.
        if (io.signal.aborted) io.stderr.write(`incluster: ${describeError(error)}\n`);
        throw error;
      });
      release?.();
      cluster.status.info(
        `cluster ${cluster.loaded.config.cluster.name} (${cluster.selection.name}) removed`,
      );
      if (options.json)
        println(
          io.stdout,
          JSON.stringify(
            {
              cluster: cluster.loaded.config.cluster.name,
              provider: cluster.selection.name,
              removed: true,
              interrupted: io.signal.aborted,
              timings: cluster.status.timings,
            },
            null,
            2,
          ),
        );
      if (io.signal.aborted)
        io.stderr.write('incluster: interrupted; down finished removing the cluster first\n');
      return io.signal.aborted ? ExitStatus.interrupted : ExitStatus.ok;
    },
  });
}
