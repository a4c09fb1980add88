// Watches a runner Job's pods and reports each shard's end the moment the kubelet shows it: the
// tests ended (pass or fail decided later), or the infrastructure failed (image pull, OOM kill,
// eviction, unschedulable, deletion, deadline), in seconds rather than at the Job's deadline
// (FR-015). It also names a Job whose pods are never created (e.g. refused by admission).
import { InfrastructureError } from '../errors.ts';
import { describeKubeError } from '../kube/api-error.ts';
import type { KubeClient } from '../kube/client.ts';
import { recentEvents } from '../kube/events.ts';
import type { KubeObject } from '../kube/manifests.ts';
import { observe } from '../kube/watch.ts';
import { classifyPod, jobFailureOf, shardIndexOf, type ShardState } from './pod-state.ts';

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
  /** Called once per shard when it ends; awaited before the supervision resolves (to copy artifacts). */
  onShardEnd?: (end: ShardEnd) => Promise<void>;
  /** How long the Job may go without creating a shard's pod before the run fails; default 30 s. */
  podCreationGraceMs?: number;
  /** How often time-based verdicts (unschedulable) are re-judged; default 2 s. */
  recheckMs?: number;
}

/** Watches the Job `name` in `namespace` until every shard has ended; resolves with each shard's end. */
export async function superviseJob(
  client: KubeClient,
  namespace: string,
  name: string,
  options: SuperviseOptions,
): Promise<ShardEnd[]> {
  const pods = new Map<string, KubeObject>();
  const seenPods = new Set<string>();
  const ends = new Map<number, ShardEnd>();
  const pending: Promise<void>[] = [];
  let job: KubeObject | undefined;
  const controller = new AbortController();
  const stop = () => controller.abort();
  options.signal.addEventListener('abort', stop, { once: true });
  const started = Date.now();
  const grace = options.podCreationGraceMs ?? 30_000;

  return new Promise<ShardEnd[]>((resolve, reject) => {
    let settled = false;
    let checkingEvents = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      options.signal.removeEventListener('abort', stop);
      controller.abort();
      outcome();
    };
    const end = (shard: ShardEnd) => {
      if (ends.has(shard.index)) return;
      ends.set(shard.index, shard);
      if (options.onShardEnd) pending.push(options.onShardEnd(shard));
      if (ends.size === options.shards)
        void Promise.allSettled(pending).then((results) => {
          const failed = results.find((r) => r.status === 'rejected');
          finish(() =>
            failed
              ? reject(failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason)))
              : resolve([...ends.values()].sort((a, b) => a.index - b.index)),
          );
        });
    };
    const podOfShard = (index: number) => [...pods.values()].find((pod) => shardIndexOf(pod) === index);
    const judge = () => {
      if (settled) return;
      // The Job's own verdict (its deadline) comes first: the pods it kills would only say "killed".
      // (Its BackoffLimitExceeded only echoes a failed pod, which names the real reason itself.)
      const failure = jobFailureOf(job);
      if (failure && failure.reason !== 'BackoffLimitExceeded')
        for (let index = 0; index < options.shards; index += 1)
          end({
            index,
            pod: podOfShard(index),
            state: {
              state: 'infrastructure',
              reason: failure.reason,
              message: `Job ${namespace}/${name} failed: ${failure.message}`,
              collectable: false,
            },
          });
      const byIndex = new Map<number, KubeObject>();
      for (const pod of pods.values()) {
        const index = shardIndexOf(pod);
        if (index === undefined) continue;
        byIndex.set(index, pod);
        if (!seenPods.has(pod.metadata.name ?? '')) {
          seenPods.add(pod.metadata.name ?? '');
          options.onPod?.(pod, index);
        }
        const state = classifyPod(pod);
        if (state.state === 'ended' || state.state === 'infrastructure') end({ index, pod, state });
      }
      if (byIndex.size < options.shards && Date.now() - started > grace && !checkingEvents) {
        checkingEvents = true;
        void podCreationFailure(client, namespace, name).then((message) => {
          checkingEvents = false;
          if (!message) return;
          for (let index = 0; index < options.shards; index += 1)
            if (!byIndex.has(index))
              end({
                index,
                pod: undefined,
                state: { state: 'infrastructure', reason: 'PodCreationFailed', message, collectable: false },
              });
        });
      }
    };
    const timer = setInterval(judge, options.recheckMs ?? 2000);
    const onAbort = () =>
      finish(() =>
        reject(
          options.signal.reason instanceof Error ? options.signal.reason : new Error('supervision aborted'),
        ),
      );
    if (options.signal.aborted) onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });
    const failed = (error: unknown) => {
      if (options.signal.aborted) return;
      finish(() =>
        reject(
          new InfrastructureError(
            'ClusterUnreachable',
            `lost the watch on Job ${namespace}/${name}: ${describeKubeError(error)}`,
            { cause: error },
          ),
        ),
      );
    };
    observe(
      client,
      { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `job-name=${name}` },
      {
        onSync(objects) {
          for (const key of pods.keys())
            if (!objects.some((o) => o.metadata.name === key)) podGone(pods.get(key)!);
          pods.clear();
          for (const pod of objects) pods.set(pod.metadata.name ?? '', pod);
          judge();
        },
        onEvent(type, pod) {
          if (type === 'DELETED') {
            pods.delete(pod.metadata.name ?? '');
            podGone(pod);
          } else pods.set(pod.metadata.name ?? '', pod);
          judge();
        },
      },
      controller.signal,
    ).catch(failed);
    observe(
      client,
      { apiVersion: 'batch/v1', kind: 'Job', namespace, name },
      {
        onSync(objects) {
          job = objects[0];
          judge();
        },
        onEvent(type, object) {
          job = type === 'DELETED' ? undefined : object;
          judge();
        },
      },
      controller.signal,
    ).catch(failed);

    function podGone(pod: KubeObject) {
      const index = shardIndexOf(pod);
      if (index === undefined || ends.has(index)) return;
      // The last state seen may already say why (evicted, OOM); otherwise it was deleted under us.
      const state = classifyPod(pod);
      end({
        index,
        pod,
        state:
          state.state === 'ended' || state.state === 'infrastructure'
            ? state
            : {
                state: 'infrastructure',
                reason: 'PodDeleted',
                message: `pod ${namespace}/${pod.metadata.name ?? '?'} was deleted before its tests ended`,
                collectable: false,
              },
      });
    }
  });
}

/** The Job controller's FailedCreate event (admission refused the pod, quota, …), if any. */
async function podCreationFailure(
  client: KubeClient,
  namespace: string,
  job: string,
): Promise<string | undefined> {
  const events = await recentEvents(client, namespace, {
    limit: 100,
    signal: AbortSignal.timeout(5000),
  }).catch(() => []);
  const failed = events.filter((e) => e.reason === 'FailedCreate' && e.object.endsWith(`/${job}`)).at(-1);
  return failed ? `the Job cannot create its pods: ${failed.message}` : undefined;
}
