// `incluster run`: build the runner image, run the suite as a Job in the cluster, copy results out.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { newRunId } from '../../ownership.ts';
import { formatDuration, parseDuration, wholeSeconds } from '../../duration.ts';
import { clusterCommandContext } from '../cluster-context.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println } from '../io.ts';
import { addProviderOption } from '../provider-option.ts';
import type { ShardReport } from '../../runner/report.ts';

interface RunOptions {
  config?: string;
  provider?: string;
  shards?: string;
  timeout?: string;
  keep?: boolean;
  json?: boolean;
  timings?: string;
  runId?: string;
}

/** A run id names the namespace `incluster-run-<id>`, a DNS label of at most 63 characters. */
const RUN_ID = /^[a-z0-9]([-a-z0-9]{0,47}[a-z0-9])?$/;

/** Builds the `run` command. */
export function runCommand(ctx: CommandContext): Command {
  return defineCommand<RunOptions>(ctx, {
    name: 'run',
    summary: 'run the test suite inside the cluster as a Job',
    description:
      'Builds the test-runner image (tagged by a content hash; an unchanged tree is not rebuilt), loads it into the cluster, runs the suite as a Job under a least-privilege ServiceAccount and the restricted Pod Security Standard in a namespace of its own, streams its logs prefixed per shard, copies /artifacts of every pod into test-results/<run-id>/shard-<i>/, merges their JUnit into test-results/<run-id>/junit.xml and writes test-results/<run-id>/report.json. Arguments after `--` are passed to the test runner inside the pod. It also writes test-results/<run-id>/summary.md (the outcome, each shard with its pod and node, the failed and the slowest tests), appended to the job summary when $GITHUB_STEP_SUMMARY is set; under GitHub Actions each failed test is annotated (::error) at the line it failed. Exits 0 when every test passed, 1 when a test failed, 3 when the infrastructure failed (the reason is named: image pull, OOMKilled, evicted, deadline exceeded, unschedulable, cluster unreachable), and 130 when interrupted (Ctrl-C or SIGTERM), after deleting the Job, its pods and the namespace.',
    examples: [
      'incluster run',
      'incluster run --shards 2',
      'incluster run --shards 4 --timings .cache/incluster-timings.json',
      'incluster run --timeout 10m --keep',
      'incluster run -- --tags-filter="001-FR-02*"',
    ],
    configure: (command) =>
      addProviderOption(command)
        .option(
          '--shards <n>',
          'split the suite across n parallel pods (default: runner.shards); Vitest and pytest files are balanced by the durations the last run recorded',
        )
        .option(
          '--timings <file>',
          "read the test files' durations from this file and write the new ones back (e.g. a CI cache; default: <artifacts.dir>/timings.json)",
        )
        .option('--timeout <duration>', 'deadline of the Job, e.g. 10m (default: runner.timeout)')
        .option('--keep', 'keep the Job, its pods and namespace after the run for inspection')
        .option('--json', 'print the run report as JSON on stdout')
        .option(
          '--run-id <id>',
          "name the run (its namespace incluster-run-<id>, results in test-results/<id>/), e.g. the CI job's id; lowercase letters, digits and '-', at most 49 (default: time and a random suffix)",
        )
        .argument('[runnerArgs...]', 'arguments for the test runner, after --'),
    action: async (options, command) => {
      const { io } = ctx;
      // From here on, an interrupt stops the run and removes what it created (runSuite does).
      io.interrupts?.cleansUp();
      if (options.runId !== undefined && !RUN_ID.test(options.runId))
        throw new UsageError(
          `--run-id must be lowercase letters, digits and '-', starting and ending with a letter or digit, at most 49 characters, got \`${options.runId}\``,
        );
      const shards = options.shards === undefined ? undefined : Number(options.shards);
      if (shards !== undefined && (!Number.isInteger(shards) || shards < 1 || shards > 64))
        throw new UsageError(`--shards must be a whole number from 1 to 64, got \`${options.shards}\``);
      const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout);
      if (options.timeout !== undefined && timeoutMs === undefined)
        throw new UsageError(
          `--timeout must be a duration such as "90s", "10m" or "1h", got \`${options.timeout}\``,
        );
      const timeoutSeconds = timeoutMs === undefined ? undefined : wholeSeconds(timeoutMs);
      const cluster = await clusterCommandContext(io, { ...options, command });
      const { status } = cluster;
      const access = await cluster.selection.provider.access(cluster.providerContext);
      if (!access)
        throw new InfrastructureError(
          'ClusterNotRunning',
          `the ${cluster.selection.name} cluster ${cluster.loaded.config.cluster.name} is not running`,
          { hint: `bring it up first: incluster up --provider ${cluster.selection.name}` },
        );
      const { runSuite } = await import('../../runner/run.ts');
      // Named here, so the results can be found for CI even when the run throws.
      const runId = options.runId ?? newRunId();
      const config = cluster.loaded.config;
      const publish = async (annotate: boolean) => {
        const { publishRun } = await import('../../ci/publish-run.ts');
        return publishRun({
          env: io.env,
          cwd: io.cwd,
          stream: io.stderr,
          contextDir: config.runner.context,
          dir: join(config.artifacts.dir, runId),
          annotate,
        });
      };
      let result;
      try {
        result = await runSuite({
          ...cluster.providerContext,
          provider: cluster.selection.provider,
          access,
          onLog: (line) => status.info(line),
          shards,
          timeoutSeconds,
          keep: options.keep,
          runnerArgs: command.args,
          runId,
          timingsFile: options.timings === undefined ? undefined : resolve(io.cwd, options.timings),
        });
      } catch (error) {
        await publish(false);
        throw error;
      }
      await publish(true);
      const { report } = result;
      if (options.json) println(io.stdout, JSON.stringify(report, null, 2));
      else {
        const counts = report.tests
          ? `${report.tests.tests} tests, ${report.tests.failures} failed, ${report.tests.errors} errors, ${report.tests.skipped} skipped`
          : 'no JUnit results';
        println(
          io.stdout,
          `${report.outcome.toUpperCase()}: ${report.message} (${counts}) in ${formatDuration(report.durationMs)}`,
        );
        for (const failed of report.failedTests ?? []) println(io.stdout, `  ✗ ${failed}`);
        if (report.reason) println(io.stdout, `  reason: ${report.reason}`);
        if (report.sharding?.by === 'time')
          println(io.stdout, `  shards by time, predicted → took: ${describeShardTimes(report.shards)}`);
        if (report.traceability) {
          const r = report.traceability.requirements;
          println(
            io.stdout,
            `  requirements: ${r.passed.length} passed, ${r.failed.length} failed${r.failed.length ? ` (${r.failed.join(', ')})` : ''}, ${r.unverified.length} unverified`,
          );
        }
        println(io.stdout, `  results: ${result.dir}`);
      }
      return result.exitStatus;
    },
  });
}

/** `0: 12.1s → 12.9s, 1: 11.8s → 12.2s`: each shard's predicted and actual test time. */
function describeShardTimes(shards: readonly ShardReport[]): string {
  const time = (ms: number | undefined) => (ms === undefined ? '?' : formatDuration(ms));
  return shards.map((s) => `${s.index}: ${time(s.predictedMs)} → ${time(s.testDurationMs)}`).join(', ');
}
