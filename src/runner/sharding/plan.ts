// Shards balanced by time: test files are dealt to shards longest first, each to the shard with the
// least predicted time so far (greedy LPT, within 4/3 of the best split), from the durations the
// last run recorded. A file with no recorded duration is predicted at the mean of those recorded
// (nothing, when none is), so new files are spread evenly: among shards predicted alike, the one
// with fewer files takes the next. Pure and deterministic: the same inputs give the same plan.

/** One shard of a plan: its files (in the order given to the runner) and its predicted time. */
export interface PlannedShard {
  files: string[];
  predictedMs: number;
}

/** The files of every shard. */
export interface ShardPlan {
  shards: PlannedShard[];
  /** How many files had no recorded duration. */
  unknownFiles: number;
}

/**
 * Splits `files` into at most `count` shards by their `durations` (ms, by file). Never makes an
 * empty shard: with fewer files than shards, each file gets a shard of its own.
 */
export function planShards(
  files: readonly string[],
  durations: ReadonlyMap<string, number>,
  count: number,
): ShardPlan {
  const unique = [...new Set(files)];
  const known = unique.filter((file) => durations.has(file));
  const mean = known.length ? known.reduce((sum, file) => sum + durations.get(file)!, 0) / known.length : 0;
  const estimate = (file: string) => durations.get(file) ?? mean;
  const ordered = unique.sort((a, b) => estimate(b) - estimate(a) || a.localeCompare(b));
  const shards: PlannedShard[] = Array.from({ length: Math.min(count, ordered.length) }, () => ({
    files: [],
    predictedMs: 0,
  }));
  for (const file of ordered) {
    const target = shards.reduce((best, shard) =>
      shard.predictedMs < best.predictedMs ||
      (shard.predictedMs === best.predictedMs && shard.files.length < best.files.length)
        ? shard
        : best,
    );
    target.files.push(file);
    target.predictedMs += estimate(file);
  }
  for (const shard of shards) {
    shard.files.sort();
    shard.predictedMs = Math.round(shard.predictedMs);
  }
  return { shards, unknownFiles: unique.length - known.length };
}
