// What a runner pod's status says about its shard, as a pure function of the pod object, so the
// exit classification (FR-015) is tested on real pod status JSON: still starting, running, tests
// ended (with their exit code), or an infrastructure failure named by its reason, seen the moment
// the kubelet reports it rather than at the Job's deadline.
import type { KubeObject } from '../kube/manifests.ts';
import { describeContainerState, type ContainerStatusLike } from '../kube/object-state.ts';
import {
  podEndedByKubelet,
  stuckContainer,
  UNSCHEDULABLE_GRACE_MS,
  unschedulableSince,
} from '../kube/pod-judgement.ts';
import { COMPLETION_INDEX_ANNOTATION, HOLDER_CONTAINER, TEST_CONTAINER } from './job.ts';

/** One shard's state as its pod shows it. */
export type ShardState =
  /** Not started yet; `recheckInMs` when time alone will change the verdict (unschedulable). */
  | { state: 'pending'; detail: string; recheckInMs?: number }
  | { state: 'running' }
  /** The test process ended by itself: its exit code decides pass or fail. */
  | { state: 'ended'; exitCode: number; detail: string }
  /** Something outside the tests broke; `collectable` when /artifacts can still be read. */
  | { state: 'infrastructure'; reason: string; message: string; collectable: boolean };

/** Classifies a runner pod; `now` (ms since epoch) dates how long it has been unschedulable. */
export function classifyPod(pod: KubeObject, now: number = Date.now()): ShardState {
  const status = (pod.status ?? {}) as { phase?: string; message?: string };
  const name = pod.metadata.name ?? '?';
  const ended = podEndedByKubelet(pod);
  if (ended?.reason === 'Evicted')
    return infra('Evicted', `pod ${name} was evicted: ${ended.message}`, false);
  if (ended) return infra('DeadlineExceeded', `pod ${name} ran past its deadline`, false);

  const tests = containerStatus(pod, TEST_CONTAINER);
  const holderAlive = Boolean(containerStatus(pod, HOLDER_CONTAINER)?.state?.running);
  const stuck = stuckContainer(pod, TEST_CONTAINER);
  if (stuck?.cause === 'image')
    return infra(
      stuck.reason,
      `the runner image ${tests?.image ?? ''} cannot be pulled onto the node (${stuck.reason}${stuck.message ? `: ${stuck.message}` : ''})`,
      false,
    );
  if (stuck)
    return infra(
      stuck.reason,
      `the test container of pod ${name} cannot be created: ${stuck.message ?? stuck.reason}`,
      false,
    );

  const terminated = tests?.state?.terminated;
  if (terminated) {
    const exitCode = terminated.exitCode ?? -1;
    if (terminated.reason === 'OOMKilled')
      return infra(
        'OOMKilled',
        `the test container of pod ${name} was killed for exceeding its memory limit (OOMKilled, exit ${exitCode})`,
        holderAlive,
      );
    if (exitCode >= 128 || terminated.signal)
      return infra(
        'TestProcessKilled',
        `the test container of pod ${name} was killed (${describeContainerState(tests.state)})`,
        holderAlive,
      );
    return { state: 'ended', exitCode, detail: describeContainerState(tests.state) };
  }

  if (status.phase === 'Failed' || status.phase === 'Succeeded')
    return infra(
      'PodFailed',
      `pod ${name} ended (${status.phase}) before its tests ran${status.message ? `: ${status.message}` : ''}`,
      false,
    );

  const spell = unschedulableSince(pod, now);
  if (spell) {
    const waited = now - spell.since;
    if (waited >= UNSCHEDULABLE_GRACE_MS)
      return infra('Unschedulable', `pod ${name} cannot be scheduled: ${spell.message}`, false);
    return {
      state: 'pending',
      detail: `unschedulable: ${spell.message}`,
      recheckInMs: UNSCHEDULABLE_GRACE_MS - waited,
    };
  }
  if (tests?.state?.running) return { state: 'running' };
  return { state: 'pending', detail: tests ? describeContainerState(tests.state) : 'not started' };
}

/** The shard index of a runner pod, from the annotation the Job controller sets. */
export function shardIndexOf(pod: KubeObject): number | undefined {
  const raw = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION];
  const index = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}

/** Whether the holder container still runs, so /artifacts can be copied out. */
export function holderRunning(pod: KubeObject): boolean {
  return Boolean(containerStatus(pod, HOLDER_CONTAINER)?.state?.running);
}

function containerStatus(pod: KubeObject, name: string): ContainerStatusLike | undefined {
  const status = pod.status as { containerStatuses?: ContainerStatusLike[] } | undefined;
  return status?.containerStatuses?.find((c) => c.name === name);
}

function infra(reason: string, message: string, collectable: boolean): ShardState {
  return { state: 'infrastructure', reason, message, collectable };
}
