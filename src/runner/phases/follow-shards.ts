// Phase 7: follow the shards until each has ended. Logs stream live, prefixed per shard and
// redacted; sources are synced into a pod the moment its holder container runs (the supervisor
// says when); each shard's /artifacts is copied out the moment it ends; then the holders are told
// to exit so the Job can finish and its TTL start.
import { join } from 'node:path';
import { delay } from '../../delay.ts';
import { describeErrorBriefly, InfrastructureError } from '../../errors.ts';
import { copyFromPod } from '../../kube/copy.ts';
import { execInPod } from '../../kube/exec.ts';
import { streamLogs } from '../../kube/logs.ts';
import type { KubeObject } from '../../kube/manifests.ts';
import { ARTIFACTS_DIR, COLLECTED_FILE, HOLDER_CONTAINER, RUNNER_NAME, TEST_CONTAINER } from '../job.ts';
import { holderRunning } from '../pod-state.ts';
import type { ShardReport } from '../report.ts';
import type { RunContext } from '../run-context.ts';
import { receiveCommand } from '../sources.ts';
import { superviseJob, type ShardEnd } from '../supervise.ts';

/** How long a shard's last log lines may trail its end, and the stragglers after the last shard. */
const LOG_TAIL_MS = 5000;
const LOG_STRAGGLERS_MS = 3000;

/** Every shard's end and what was copied out of it. */
export interface FollowedShards {
  ends: ShardEnd[];
  artifacts: Map<number, ShardReport['artifacts']>;
}

/** Supervises the Job to its end; resolves with each shard's end and artifacts. */
export async function followShards(
  ctx: RunContext,
  sources: Buffer | undefined,
  shards: number,
): Promise<FollowedShards> {
  const { status, signal } = ctx.options;
  const logs = new Map<number, Promise<void>>();
  const artifacts = new Map<number, ShardReport['artifacts']>();
  // A pod whose sources could not be synced would run no test or the wrong ones: the run stops as
  // an infrastructure failure instead of reporting tests that did not fail.
  const unsynced = new AbortController();
  let syncFailure: InfrastructureError | undefined;
  status.start(`Running the suite in ${shards} pod${shards === 1 ? '' : 's'}`);
  let ends: ShardEnd[];
  try {
    ends = await superviseJob(ctx.client, ctx.namespace, RUNNER_NAME, {
      shards,
      signal: AbortSignal.any([signal, unsynced.signal]),
      onPod: (pod, index) => logs.set(index, followLogs(ctx, pod, index)),
      onHolderRunning: (pod, index) => {
        if (!sources) return;
        void syncSources(ctx, pod, index, sources).catch((error: unknown) => {
          syncFailure ??= new InfrastructureError(
            'SourceSyncFailed',
            `the sources could not be synced into shard ${index}'s pod: ${describeErrorBriefly(error)}`,
            { cause: error },
          );
          unsynced.abort(syncFailure);
        });
      },
      onShardEnd: async (end) => {
        const line =
          end.state.state === 'ended'
            ? `tests exited ${end.state.exitCode}`
            : `${end.state.reason}: ${end.state.message}`;
        // The log stream trails the pod status by a moment: let the last lines through first.
        const ran = end.state.state === 'ended' || end.state.collectable;
        if (ran) await Promise.race([logs.get(end.index), delay(LOG_TAIL_MS, undefined, { unref: true })]);
        status.info(`[shard ${end.index}] ${line}`);
        const name = end.pod?.metadata.name;
        if (name && ran) artifacts.set(end.index, await collect(ctx, name, end.index));
      },
    });
  } catch (error) {
    status.end(false);
    throw syncFailure && !signal.aborted ? syncFailure : error;
  }
  // Logs of a pod that never started end by themselves; wait briefly for the last lines.
  await Promise.race([
    Promise.allSettled(logs.values()),
    delay(LOG_STRAGGLERS_MS, undefined, { unref: true }),
  ]);
  status.end(true);
  await releaseHolders(ctx, ends);
  return { ends, artifacts };
}

/** Follows the test container's log, each line prefixed (default: with its shard) and redacted. */
export async function followLogs(
  ctx: RunContext,
  pod: KubeObject,
  index: number,
  prefix = `[shard ${index}] `,
): Promise<void> {
  const { client, options } = ctx;
  try {
    // No abort signal on purpose: aborting the kube layer's follow request leaves an unhandled
    // stream error behind (it crashes the process). The stream ends by itself when the container
    // ends or its pod is deleted, which an interrupt does at once.
    await streamLogs(client, ctx.namespace, pod.metadata.name ?? '', {
      container: TEST_CONTAINER,
      startTimeoutMs: 10 * 60_000,
      onLine: (line) => options.onLog(`${prefix}${client.redactor.redact(line)}`),
    });
  } catch (error) {
    if (!options.signal.aborted)
      options.status.info(`${prefix}(logs unavailable: ${describeErrorBriefly(error)})`);
  }
}

/** How often a sync is tried: an exec connection closing mid-transfer is worth one more try. */
const SYNC_ATTEMPTS = 2;

/**
 * Streams the sources into a pod through its holder container, which the supervisor saw running.
 * Rejects when no attempt delivered them whole (the receiver checks the size before marking them
 * ready); an interrupt ends it quietly.
 */
export async function syncSources(
  ctx: RunContext,
  pod: KubeObject,
  index: number,
  archive: Buffer,
): Promise<void> {
  const { signal, status } = ctx.options;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await execInPod(
        ctx.client,
        ctx.namespace,
        pod.metadata.name ?? '',
        receiveCommand(archive.length),
        { container: HOLDER_CONTAINER, stdin: archive, signal },
      );
      if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode}: ${result.stderr.trim()}`);
      return;
    } catch (error) {
      if (signal.aborted) return;
      if (attempt >= SYNC_ATTEMPTS) throw error;
      status.info(`[shard ${index}] syncing the sources again: ${describeErrorBriefly(error)}`);
    }
  }
}

/** Copies /artifacts of a shard's pod, through the holder container, into shard-<i>/. */
async function collect(ctx: RunContext, pod: string, index: number): Promise<ShardReport['artifacts']> {
  const { signal, status, config } = ctx.options;
  try {
    const copy = await copyFromPod(ctx.client, ctx.namespace, pod, ARTIFACTS_DIR, shardDir(ctx, index), {
      container: HOLDER_CONTAINER,
      maxBytes: config.artifacts.maxArchiveBytes,
      signal,
    });
    for (const rejected of copy.rejected)
      status.info(`[shard ${index}] refused ${rejected.path}: ${rejected.reason}`);
    return { files: copy.files.filter((f) => f !== '.'), bytes: copy.bytes, rejected: copy.rejected };
  } catch (error) {
    if (signal.aborted) throw error;
    const why = describeErrorBriefly(error);
    status.info(`[shard ${index}] artifacts could not be copied: ${why}`);
    return { files: [], bytes: 0, rejected: [], error: why };
  }
}

/** Lets every holder container exit, so the Job can finish (and its TTL start). */
async function releaseHolders(ctx: RunContext, ends: readonly ShardEnd[]): Promise<void> {
  await Promise.allSettled(
    ends
      .filter((end) => end.pod && holderRunning(end.pod))
      .map((end) =>
        execInPod(ctx.client, ctx.namespace, end.pod!.metadata.name ?? '', ['touch', COLLECTED_FILE], {
          container: HOLDER_CONTAINER,
          signal: AbortSignal.timeout(15_000),
        }),
      ),
  );
}

/** Where a shard's artifacts land: test-results/<run-id>/shard-<i>/. */
export function shardDir(ctx: RunContext, index: number): string {
  return join(ctx.dir, `shard-${index}`);
}
