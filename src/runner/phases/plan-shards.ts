// Phase 2b (sharded runs): how the test files are split. By time when the files can be listed here
// (Vitest, pytest): longest first from the durations the last run recorded, each shard given its
// files by name; otherwise by count, the runner's own `--shard=K/N`, with the reason said once.
// After the run (recordTimings), the durations the shards' JUnit shows are kept for the next plan.
import { UsageError } from '../../errors.ts';
import type { MergedJUnit } from '../junit.ts';
import type { RunContext } from '../run-context.ts';
import { planShards, type PlannedShard } from '../sharding/plan.ts';
import { listTestFiles } from '../sharding/test-files.ts';
import { fileDurations, readTimings, timingsPath, writeTimings } from '../sharding/timings.ts';

/** How the run's shards get their tests. */
export type Sharding =
  | { by: 'count'; shards: number; reason?: string }
  | {
      by: 'time';
      shards: number;
      runner: 'vitest' | 'pytest';
      /** Where the durations were read from and are written back to. */
      timings: string;
      planned: PlannedShard[];
      unknownFiles: number;
      previous: ReadonlyMap<string, number>;
    };

/** Decides how the shards are split; lists the files and reads their durations when it can. */
export async function planSharding(ctx: RunContext): Promise<Sharding> {
  const { status, config, runnerArgs = [], timingsFile } = ctx.options;
  if (ctx.shards <= 1) {
    if (timingsFile)
      throw new UsageError('--timings balances shards, and this run has one', {
        hint: 'add --shards N (2 or more), or set runner.shards',
      });
    return { by: 'count', shards: ctx.shards };
  }
  const listing = await status.phase(`Listing the test files of ${ctx.shards} shards`, () =>
    listTestFiles(config, runnerArgs),
  );
  if (listing.kind === 'count') {
    if (timingsFile)
      throw new UsageError(`--timings cannot balance these shards: ${listing.reason}`, {
        hint: 'leave --timings out to shard by count',
      });
    status.info(`  shards split by count: ${listing.reason}`);
    return { by: 'count', shards: ctx.shards, reason: listing.reason };
  }
  const timings = timingsPath(config.artifacts.dir, timingsFile);
  const previous = await readTimings(timings);
  const plan = planShards(listing.files, previous, ctx.shards);
  const known = listing.files.length - plan.unknownFiles;
  status.info(
    `  ${listing.files.length} ${listing.runner} test files balanced by time over ${plan.shards.length} shards (${known} with a recorded duration, from ${timings})`,
  );
  if (plan.shards.length < ctx.shards)
    status.info(
      `  only ${listing.files.length} test files: ${plan.shards.length} shards instead of ${ctx.shards}`,
    );
  return {
    by: 'time',
    shards: plan.shards.length,
    runner: listing.runner,
    timings,
    planned: plan.shards,
    unknownFiles: plan.unknownFiles,
    previous,
  };
}

/** Keeps the durations the run measured for its files, for the next run's plan. */
export async function recordTimings(
  ctx: RunContext,
  sharding: Sharding,
  junit: MergedJUnit | undefined,
): Promise<void> {
  if (sharding.by !== 'time' || !junit) return;
  const measured = fileDurations(
    junit.cases,
    sharding.planned.flatMap((shard) => shard.files),
  );
  if (measured.size === 0) return;
  await writeTimings(sharding.timings, sharding.previous, measured, ctx.runId);
}
