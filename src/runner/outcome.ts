// A run's verdict from its shards and its JUnit (FR-015): 0 when every test passed, 1 when a test
// failed, 3 when the infrastructure failed, with the first infrastructure reason named. An
// infrastructure failure wins over failed tests: the results of a broken run are not trustworthy.
import { ExitStatus } from '../errors.ts';
import type { TestCounts } from './junit.ts';

/** How one shard ended. */
export type ShardOutcome =
  { kind: 'ended'; exitCode: number } | { kind: 'infrastructure'; reason: string; message: string };

/** The run's verdict. */
export interface RunVerdict {
  outcome: 'passed' | 'failed' | 'infrastructure';
  exitStatus: ExitStatus;
  /** Set for an infrastructure failure: e.g. `OOMKilled`. */
  reason?: string;
  message: string;
}

/** Decides the run's exit status from every shard's end and the merged JUnit counts (if any). */
export function decideVerdict(shards: readonly ShardOutcome[], counts: TestCounts | undefined): RunVerdict {
  const broken = shards.find((s) => s.kind === 'infrastructure');
  if (broken?.kind === 'infrastructure')
    return {
      outcome: 'infrastructure',
      exitStatus: ExitStatus.infrastructure,
      reason: broken.reason,
      message: broken.message,
    };
  const failedShards = shards.filter((s) => s.kind === 'ended' && s.exitCode !== 0).length;
  const failedCases = (counts?.failures ?? 0) + (counts?.errors ?? 0);
  if (failedShards > 0 || failedCases > 0) {
    const parts = [
      failedCases ? `${failedCases} test case${failedCases === 1 ? '' : 's'} failed` : undefined,
      failedShards
        ? `${failedShards} of ${shards.length} shard${shards.length === 1 ? '' : 's'} exited non-zero`
        : undefined,
    ].filter(Boolean);
    return { outcome: 'failed', exitStatus: ExitStatus.failed, message: parts.join('; ') };
  }
  const tests = counts
    ? `${counts.tests} tests passed`
    : 'the test command succeeded (no JUnit file was found)';
  return { outcome: 'passed', exitStatus: ExitStatus.ok, message: tests };
}
