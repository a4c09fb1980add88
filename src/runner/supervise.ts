// Watches a runner Job's pods and reports each shard's end the moment the kubelet shows it: the
// tests ended (pass or fail decided later), or the infrastructure failed (image pull, OOM kill,
// eviction, unschedulable, deletion, deadline), in seconds rather than at the Job's deadline
// (FR-015). It also names a Job whose pods are never created (refused by admission, quota), from
// the Job controller's FailedCreate events. It runs on the kube layer's watch engine; the only
// timers are the engine's re-judgements at the moment a time-based verdict can change.
import { InfrastructureError } from '../errors.ts';
import { describeKubeError } from '../kube/api-error.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/manifests.ts';
import { observeUntil, type ObservedView, type Verdict } from '../kube/observation.ts';
import { jobFailure, lastingRefusal } from '../kube/pod-judgement.ts';
import { classifyPod, holderRunning, shardIndexOf, type ShardState } from './pod-state.ts';

/** A shard that ended, and the pod it ran in (absent when no pod was ever created). */
export interface ShardEnd {
  index: number;
  pod: KubeObject | undefined;
  state: Extract<ShardState, { state: 'ended' | 'infrastructure' }>;
}

export interface SuperviseOptions {
  shards: number;
  signal: AbortSignal;
  /** Called once per pod when it is first seen (to follow its logs). */
  onPod?: (pod: KubeObject, index: number) => void;
  /** Called once per pod when its holder container runs (sources can be synced into it). */
  onHolderRunning?: (pod: KubeObject, index: number) => void;
  /** Called once per shard when it ends; awaited before the supervision resolves (to copy artifacts). */
  onShardEnd?: (end: ShardEnd) => Promise<void>;
  /** How long the Job may go without creating a shard's pod before FailedCreate counts; default 30 s. */
  podCreationGraceMs?: number;
}

/** Watches the Job `name` in `namespace` until every shard has ended; resolves with each shard's end. */
export async function superviseJob(
  client: KubeClient,
  namespace: string,
  name: string,
  options: SuperviseOptions,
): Promise<ShardEnd[]> {
  const shards = new ShardBook(options);
  const grace = options.podCreationGraceMs ?? 30_000;
  // The verdict carries nothing: the shards' ends are in the book, awaited after it settles.
  const observation = observeUntil<void>(
    client,
    {
      job: { apiVersion: 'batch/v1', kind: 'Job', namespace, name },
      pods: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `job-name=${name}` },
      // FailedCreate: the controller could not create a pod (admission, quota, a missing account).
      refusals: {
        apiVersion: 'v1',
        kind: 'Event',
        namespace,
        fieldSelector: `involvedObject.kind=Job,involvedObject.name=${name},reason=FailedCreate`,
      },
    },
    (view) => judgeShards(view, shards, { namespace, name, grace }),
    { signal: options.signal },
  );
  try {
    await observation.settled;
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw new InfrastructureError(
      'ClusterUnreachable',
      `lost the watch on Job ${namespace}/${name}: ${describeKubeError(error)}`,
      { cause: error },
    );
  }
  return shards.collected();
}

/** What the supervisor knows of each shard, and the callbacks it owes. */
class ShardBook {
  private readonly seenPods = new Set<string>();
  private readonly holders = new Set<string>();
  private readonly ends = new Map<number, ShardEnd>();
  private readonly pending: Promise<void>[] = [];
  private readonly options: SuperviseOptions;

  constructor(options: SuperviseOptions) {
    this.options = options;
  }

  get count(): number {
    return this.options.shards;
  }

  /** Notes a pod as seen; calls onPod the first time and onHolderRunning once its holder runs. */
  see(pod: KubeObject, index: number): void {
    const key = pod.metadata.name ?? '';
    if (!this.seenPods.has(key)) {
      this.seenPods.add(key);
      this.options.onPod?.(pod, index);
    }
    if (!this.holders.has(key) && holderRunning(pod)) {
      this.holders.add(key);
      this.options.onHolderRunning?.(pod, index);
    }
  }

  ended(index: number): boolean {
    return this.ends.has(index);
  }

  /** Records a shard's end once, starting its onShardEnd work. */
  end(shard: ShardEnd): void {
    if (this.ends.has(shard.index)) return;
    this.ends.set(shard.index, shard);
    if (this.options.onShardEnd) this.pending.push(this.options.onShardEnd(shard));
  }

  get allEnded(): boolean {
    return this.ends.size >= this.options.shards;
  }

  /** Every shard's end, once the work started for each has finished; its first failure rejects. */
  async collected(): Promise<ShardEnd[]> {
    const results = await Promise.allSettled(this.pending);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    return [...this.ends.values()].sort((a, b) => a.index - b.index);
  }
}

/** One judgement of every shard from what the watches show; met once every shard has ended. */
function judgeShards(
  view: ObservedView,
  shards: ShardBook,
  job: { namespace: string; name: string; grace: number },
): Verdict<void> {
  const pods = view.objects('pods');
  const podOf = (index: number) => pods.find((pod) => shardIndexOf(pod) === index);
  // The Job's own verdict (its deadline) comes first: the pods it kills would only say "killed".
  // (Its BackoffLimitExceeded only echoes a failed pod, which names the real reason itself.)
  const failure = jobFailure(view.object('job'));
  if (failure && failure.reason !== 'BackoffLimitExceeded')
    for (let index = 0; index < shards.count; index += 1)
      shards.end({
        index,
        pod: podOf(index),
        state: {
          state: 'infrastructure',
          reason: failure.reason,
          message: `Job ${job.namespace}/${job.name} failed: ${failure.message}`,
          collectable: false,
        },
      });

  let recheckInMs: number | undefined;
  const present = new Set<number>();
  for (const pod of pods) {
    const index = shardIndexOf(pod);
    if (index === undefined) continue;
    present.add(index);
    shards.see(pod, index);
    const state = classifyPod(pod, view.now);
    if (state.state === 'ended' || state.state === 'infrastructure') shards.end({ index, pod, state });
    else if (state.state === 'pending' && state.recheckInMs !== undefined)
      recheckInMs = Math.min(recheckInMs ?? Infinity, state.recheckInMs);
  }
  for (const pod of view.deleted('pods')) {
    const index = shardIndexOf(pod);
    if (index !== undefined && !present.has(index) && !shards.ended(index))
      shards.end(deletedShard(pod, index));
  }

  if (present.size < shards.count) {
    // A FailedCreate right after the Job was created can be a passing race (its ServiceAccount not
    // yet visible to admission); only one still unanswered after the grace names the failure.
    // A quota or Pod Security refusal will not pass: it is named at once.
    const refusal = view.objects('refusals').at(-1);
    const lasting = lastingRefusal(view.objects('refusals'), view.now - view.elapsedMs);
    const waited = view.elapsedMs;
    if (lasting || (refusal && waited >= job.grace)) {
      const said = lasting?.message ?? String((refusal as { message?: string }).message ?? '').trim();
      const message = `the Job cannot create its pods: ${said}`;
      for (let index = 0; index < shards.count; index += 1)
        if (!present.has(index))
          shards.end({
            index,
            pod: undefined,
            state: { state: 'infrastructure', reason: 'PodCreationFailed', message, collectable: false },
          });
    } else if (refusal) recheckInMs = Math.min(recheckInMs ?? Infinity, job.grace - waited);
  }
  if (shards.allEnded) return { state: 'met', value: undefined };
  return { state: 'pending', recheckInMs };
}

/** A shard whose pod was deleted: the last state seen may already say why (evicted, OOM). */
function deletedShard(pod: KubeObject, index: number): ShardEnd {
  const state = classifyPod(pod);
  return {
    index,
    pod,
    state:
      state.state === 'ended' || state.state === 'infrastructure'
        ? state
        : {
            state: 'infrastructure',
            reason: 'PodDeleted',
            message: `pod ${pod.metadata.namespace ?? '?'}/${pod.metadata.name ?? '?'} was deleted before its tests ended`,
            collectable: false,
          },
  };
}
