// Phase 8: the shards' JUnit merged into one file, and the run's verdict from the shards' ends
// and the merged counts (outcome.ts decides; an infrastructure failure wins over failed tests).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { TEST_CONTAINER } from '../job.ts';
import { mergeJUnit, type MergedJUnit } from '../junit.ts';
import { decideVerdict, type RunVerdict, type ShardOutcome } from '../outcome.ts';
import { summarizeTraceability, type ShardReport, type TraceabilitySummary } from '../report.ts';
import type { RunContext } from '../run-context.ts';
import type { ShardEnd } from '../supervise.ts';
import type { FollowedShards } from './follow-shards.ts';
import { shardDir } from './follow-shards.ts';

/** What the run's results say. */
export interface MergedResults {
  junit: MergedJUnit | undefined;
  verdict: RunVerdict;
  shards: ShardReport[];
  traceability: TraceabilitySummary | undefined;
}

/** Merges the JUnit files of every shard, decides the verdict and reads the traceability evidence. */
export async function mergeResults(ctx: RunContext, followed: FollowedShards): Promise<MergedResults> {
  const junit = await ctx.options.status.phase('Merging results', () =>
    mergeJUnitFiles(ctx, followed.ends.length),
  );
  const outcomes: ShardOutcome[] = followed.ends.map((end) =>
    end.state.state === 'ended'
      ? { kind: 'ended', exitCode: end.state.exitCode }
      : { kind: 'infrastructure', reason: end.state.reason, message: end.state.message },
  );
  return {
    junit,
    verdict: decideVerdict(outcomes, junit?.counts),
    shards: followed.ends.map((end) => shardReport(end, followed.artifacts.get(end.index))),
    traceability: await summarizeTraceability(ctx.dir, followed.ends.length),
  };
}

async function mergeJUnitFiles(ctx: RunContext, count: number): Promise<MergedJUnit | undefined> {
  const inputs = [];
  for (let index = 0; index < count; index += 1)
    for (const file of await junitFiles(shardDir(ctx, index)))
      inputs.push({ source: relative(ctx.dir, file), xml: await readFile(file, 'utf8') });
  const { status } = ctx.options;
  if (inputs.length === 0) {
    status.info(
      '  no JUnit file among the artifacts (write one to /artifacts, e.g. vitest --reporter=junit --outputFile=/artifacts/junit.xml)',
    );
    return undefined;
  }
  const merged = mergeJUnit(inputs, `incluster run ${ctx.runId}`);
  for (const bad of merged.unreadable) status.info(`  ${bad.source} is not JUnit: ${bad.reason}`);
  await writeFile(join(ctx.dir, 'junit.xml'), ctx.client.redactor.redact(merged.xml));
  return merged;
}

/** JUnit files of a shard: every `*.xml` whose name says junit; the trace reporter's copy only when alone. */
async function junitFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const xml = names.filter((n) => /(^|\/)[^/]*junit[^/]*\.xml$/i.test(n));
  const own = xml.filter((n) => !/(^|\/)traceability[^/]*\.xml$/i.test(n));
  return (own.length > 0 ? own : xml).sort().map((n) => join(dir, n));
}

function shardReport(end: ShardEnd, artifacts: ShardReport['artifacts'] | undefined): ShardReport {
  const status = end.pod?.status as
    | {
        containerStatuses?: {
          name?: string;
          state?: { terminated?: { startedAt?: string; finishedAt?: string } };
        }[];
      }
    | undefined;
  const terminated = status?.containerStatuses?.find((c) => c.name === TEST_CONTAINER)?.state?.terminated;
  const durationMs =
    terminated?.startedAt && terminated.finishedAt
      ? new Date(terminated.finishedAt).getTime() - new Date(terminated.startedAt).getTime()
      : undefined;
  return {
    index: end.index,
    pod: end.pod?.metadata.name,
    node: (end.pod?.spec as { nodeName?: string } | undefined)?.nodeName,
    state: end.state.state,
    exitCode: end.state.state === 'ended' ? end.state.exitCode : undefined,
    reason: end.state.state === 'infrastructure' ? end.state.reason : undefined,
    message: end.state.state === 'infrastructure' ? end.state.message : end.state.detail,
    testDurationMs: durationMs,
    testEndedAt: terminated?.finishedAt,
    artifacts: artifacts ?? { files: [], bytes: 0, rejected: [] },
  };
}
