// `incluster run`: build the runner image, run the suite as a Job in the cluster, copy results out.
import type { Command } from 'commander';
import { defineCommand, type CommandContext } from '../command.ts';
import { notImplemented } from './not-implemented.ts';

/** Builds the `run` command. */
export function runCommand(ctx: CommandContext): Command {
  return defineCommand(ctx, {
    name: 'run',
    summary: 'run the test suite inside the cluster as a Job',
    description:
      'Builds the test-runner image (tagged by a content hash), loads it into the cluster, runs the suite as a Job under a least-privilege ServiceAccount and the restricted Pod Security Standard, streams its logs, copies /artifacts out into test-results/<run-id>/ and writes a run report. Arguments after `--` are passed to the test runner inside the pod.',
    examples: ['incluster run', 'incluster run --shards 2', 'incluster run -- --tags-filter="001-FR-02*"'],
    configure: (command) =>
      command
        .option('--shards <n>', 'split the suite across n parallel pods')
        .option('--timeout <duration>', 'deadline of the Job (activeDeadlineSeconds)')
        .option('--keep', 'keep the Job, its pods and namespace after the run for inspection')
        .argument('[runnerArgs...]', 'arguments for the test runner, after --'),
    action: () => notImplemented('run'),
  });
}
