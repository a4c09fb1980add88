// `incluster run` as a pipeline of named phases over one run context: inspect the cluster → plan
// the image → how the shards split → the run's namespace and its limits → its own services
// (isolation: run) → RBAC → the services' Secrets → whether the pods fit → the Job → follow the
// shards (logs live, artifacts copied out as each ends) → merge results. Each phase is a function
// of its own that takes the context and returns data; the driver keeps what they returned in one
// record and builds the report from it once. Whatever the run created is in the ledger, released by
// one step on success, on failure and on an interrupt (FR-017), newest first.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitStatus, InclusterError, InfrastructureError, describeError } from '../errors.ts';
import { planImage, type ImagePlan } from './image-plan.ts';
import { RUNNER_NAME } from './job.ts';
import type { MergedJUnit } from './junit.ts';
import type { Released } from './ledger.ts';
import type { RunVerdict } from './outcome.ts';
import { followShards, type FollowedShards } from './phases/follow-shards.ts';
import { createNamespace, grantRbac, shareSecret } from './phases/grant-access.ts';
import { inspectCluster, type ClusterFacts } from './phases/inspect-cluster.ts';
import { launchJob, runnerSpec } from './phases/launch-job.ts';
import { mergeResults, type MergedResults } from './phases/merge-results.ts';
import { startOwnServices } from './phases/own-services.ts';
import { fitRunnerPods, limitNamespace } from './phases/fair-share.ts';
import { planSharding, recordTimings, type Sharding } from './phases/plan-shards.ts';
import type { RunReport, ShardReport } from './report.ts';
import { createRunContext, type RunContext, type RunSuiteOptions } from './run-context.ts';

export type { RunSuiteOptions } from './run-context.ts';

/** What a run produced: its exit status, report and results directory. */
export interface RunSuiteResult {
  exitStatus: number;
  verdict: RunVerdict | undefined;
  report: RunReport;
  dir: string;
  junit: MergedJUnit | undefined;
}

/** What the phases returned, as far as the run got. */
export interface RunRecord {
  cluster?: ClusterFacts;
  image?: ImagePlan;
  sharding?: Sharding;
  followed?: FollowedShards;
  results?: MergedResults;
}

/** How the run ended: with a verdict, with an error, or interrupted. */
export type Ending =
  | { kind: 'verdict'; verdict: RunVerdict }
  | { kind: 'error'; error: InclusterError }
  | { kind: 'interrupted'; removed: string };

/** How long releasing what the run created may take, even after an interrupt. */
const RELEASE_BUDGET_MS = 60_000;

/** Runs the suite inside the cluster; resolves with the exit status (130 when interrupted). */
export async function runSuite(options: RunSuiteOptions): Promise<RunSuiteResult> {
  const ctx = await createRunContext(options);
  const record: RunRecord = {};
  try {
    await runPhases(ctx, record);
  } catch (error) {
    if (options.signal.aborted) {
      options.status.end(false);
      const removed = describeRelease(ctx, await release(ctx, true));
      options.status.info(`incluster: run ${ctx.runId} interrupted: ${removed}`);
      const report = await writeReport(ctx, record, { kind: 'interrupted', removed });
      return {
        exitStatus: ExitStatus.interrupted,
        verdict: undefined,
        report,
        dir: ctx.dir,
        junit: undefined,
      };
    }
    const failure =
      error instanceof InclusterError
        ? error
        : new InfrastructureError('Unexpected', describeError(error), { cause: error });
    await release(ctx, false);
    await writeReport(ctx, record, { kind: 'error', error: failure });
    throw error;
  }
  const verdict = record.results!.verdict;
  if (record.image?.forgetBase && verdict.reason === 'ErrImageNeverPull') {
    // The base image is gone from the node: the next run builds and loads a full image again.
    await record.image.forgetBase();
    verdict.message += '; the next run will build and load the image again';
  }
  await release(ctx, false);
  const report = await writeReport(ctx, record, { kind: 'verdict', verdict });
  return { exitStatus: verdict.exitStatus, verdict, report, dir: ctx.dir, junit: record.results?.junit };
}

/** The phases in order; an interrupt during a phase that does not watch for it ends the run after it. */
async function runPhases(ctx: RunContext, record: RunRecord): Promise<void> {
  const { signal } = ctx.options;
  const step = async <T>(phase: () => Promise<T>): Promise<T> => {
    const result = await phase();
    signal.throwIfAborted();
    return result;
  };
  const cluster = (record.cluster = await step(() => inspectCluster(ctx)));
  const image = (record.image = await step(() => planImage(ctx, cluster)));
  const sharding = (record.sharding = await step(() => planSharding(ctx)));
  await step(() => createNamespace(ctx));
  await step(() => limitNamespace(ctx));
  await step(() => startOwnServices(ctx));
  await step(() => grantRbac(ctx, cluster));
  const secret = await step(() => shareSecret(ctx, cluster));
  const spec = runnerSpec(ctx, image, secret, sharding);
  await step(() => fitRunnerPods(ctx, cluster, spec));
  await step(() => launchJob(ctx, spec));
  const followed = (record.followed = await step(() => followShards(ctx, image.sources, sharding.shards)));
  const results = (record.results = await step(() => mergeResults(ctx, followed)));
  await recordTimings(ctx, sharding, results.junit);
}

/** Releases what the ledger holds: forced on an interrupt; with --keep, only what an interrupt must stop. */
export async function release(ctx: RunContext, force: boolean): Promise<Released | undefined> {
  const { status, keep = false } = ctx.options;
  if (ctx.ledger.created.length === 0) return undefined;
  if (keep && !force) {
    status.info(
      `  kept namespace ${ctx.namespace} (--keep); delete it with: kubectl delete namespace ${ctx.namespace}`,
    );
    return undefined;
  }
  const title = force ? "Deleting the run's Job, pods and namespace" : `Deleting namespace ${ctx.namespace}`;
  const released = await status.phase(title, () =>
    ctx.ledger.release({ force, keep, signal: AbortSignal.timeout(RELEASE_BUDGET_MS) }),
  );
  for (const object of released.lingering) status.info(`  ${object} is still terminating`);
  return released;
}

/** `deleted Job ns/incluster-runner and its 2 pods, namespace ns, 6 other objects`, from what went. */
export function describeRelease(ctx: RunContext, released: Released | undefined): string {
  if (!released) return ctx.ledger.created.length ? 'kept' : 'nothing had been created in the cluster yet';
  const job = `Job/${ctx.namespace}/${RUNNER_NAME}`;
  const namespace = `Namespace/${ctx.namespace}`;
  const parts: string[] = [];
  if (released.deleted.includes(job))
    parts.push(
      `Job ${ctx.namespace}/${RUNNER_NAME} and its ${released.pods} pod${released.pods === 1 ? '' : 's'}`,
    );
  if (released.deleted.includes(namespace)) parts.push(`namespace ${ctx.namespace}`);
  const others = released.deleted.filter((what) => what !== job && what !== namespace).length;
  if (others) parts.push(`${others} other object${others === 1 ? '' : 's'} it created`);
  return parts.length ? `deleted ${parts.join(', ')}` : 'nothing of it was left to delete';
}

/** Builds report.json from what the phases returned and how the run ended (and `extra`), and writes it. */
export async function writeReport(
  ctx: RunContext,
  record: RunRecord,
  ending: Ending,
  extra: Partial<RunReport> = {},
): Promise<RunReport> {
  const { options, client } = ctx;
  const finished = new Date();
  const results = record.results;
  const report: RunReport = {
    schemaVersion: 1,
    kind: 'incluster-run-report',
    runId: ctx.runId,
    ...endingFields(ending),
    startedAt: ctx.startedAt.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - ctx.startedAt.getTime(),
    phases: options.status.timings.map((t) => ({ name: t.name, ms: Math.round(t.ms), ok: t.ok })),
    image: record.image?.report,
    cluster: {
      provider: options.access.provider,
      name: options.access.clusterName,
      server: client.server,
      serverVersion: record.cluster?.serverVersion,
      nodes: record.cluster?.nodes ?? [],
    },
    namespace: ctx.namespace,
    job: RUNNER_NAME,
    command: [...options.config.runner.command],
    runnerArgs: [...(options.runnerArgs ?? [])],
    sharding: shardingReport(record.sharding),
    shards: (results?.shards ?? []).map((shard) => withPrediction(shard, record.sharding)),
    tests: results?.junit?.counts,
    // Printed by the CLI and --json as they are: failure messages may quote a secret the tests saw.
    failedTests: results?.junit?.failed.map((line) => client.redactor.redact(line)),
    junit: results?.junit ? 'junit.xml' : undefined,
    traceability: results?.traceability,
    ...extra,
  };
  await writeFile(
    join(ctx.dir, 'report.json'),
    `${JSON.stringify(client.redactor.redactData(report), null, 2)}\n`,
  );
  return report;
}

function endingFields(ending: Ending): Pick<RunReport, 'outcome' | 'exitStatus' | 'reason' | 'message'> {
  if (ending.kind === 'verdict') {
    const { outcome, exitStatus, reason, message } = ending.verdict;
    return { outcome, exitStatus, reason, message };
  }
  if (ending.kind === 'interrupted')
    return {
      outcome: 'interrupted',
      exitStatus: ExitStatus.interrupted,
      message: `interrupted; ${ending.removed}`,
    };
  const { error } = ending;
  return {
    outcome: error.exitStatus === ExitStatus.infrastructure ? 'infrastructure' : 'failed',
    exitStatus: error.exitStatus,
    reason: error instanceof InfrastructureError ? error.reason : error.code,
    message: error.message,
  };
}

function shardingReport(sharding: Sharding | undefined): RunReport['sharding'] {
  if (!sharding || sharding.shards <= 1) return undefined;
  if (sharding.by === 'count') return { by: 'count', reason: sharding.reason };
  return { by: 'time', timings: sharding.timings, unknownFiles: sharding.unknownFiles };
}

/** A shard's report with the files it was given and the time predicted for them. */
function withPrediction(shard: ShardReport, sharding: Sharding | undefined): ShardReport {
  const planned = sharding?.by === 'time' ? sharding.planned[shard.index] : undefined;
  return planned ? { ...shard, files: planned.files, predictedMs: planned.predictedMs } : shard;
}
