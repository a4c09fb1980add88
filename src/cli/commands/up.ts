// `incluster up`: bring up (or reuse) the cluster, preload images, deploy the services.
import type { Command } from 'commander';
import { defineCommand, type CommandContext } from '../command.ts';
import { notImplemented } from './not-implemented.ts';

/** Builds the `up` command. */
export function upCommand(ctx: CommandContext): Command {
  return defineCommand(ctx, {
    name: 'up',
    summary: 'bring up the test cluster and deploy the services',
    description:
      'Creates the cluster (or reuses it when it already runs), waits until the API answers, the node is Ready and cluster DNS works, preloads the configured images, then applies the service manifests and waits until every workload is ready. Running it again on a healthy cluster returns in seconds.',
    examples: ['incluster up', 'incluster up --provider local', 'incluster up --provider kind --timeout 10m'],
    configure: (command) =>
      command
        .option('-p, --provider <name>', 'auto, kind, local or existing (default: from config, else auto)')
        .option('--timeout <duration>', 'how long to wait for the services to become ready', '5m')
        .option('--no-services', 'bring up the cluster only, without applying the service manifests'),
    action: () => notImplemented('up'),
  });
}
