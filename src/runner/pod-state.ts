// What a runner pod's status says about its shard, as a pure function of the pod object, so the
// exit classification (FR-015) is tested on real pod status JSON: still starting, running, tests
// ended (with their exit code), or an infrastructure failure named by its reason, seen the moment
// the kubelet reports it rather than at the Job's deadline.
import type { KubeObject } from '../kube/manifests.ts';
import { conditionOf, describeContainerState, type ContainerStatusLike } from '../kube/object-state.ts';
import { HOLDER_CONTAINER, TEST_CONTAINER } from './job.ts';

/** Waiting reasons after which the test container will never start. */
const IMAGE_PULL_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
]);
const CONFIG_REASONS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** How long a pod may stay unschedulable before the run gives up (a freshly freed node needs a moment). */
export const UNSCHEDULABLE_GRACE_MS = 10_000;

/** One shard's state as its pod shows it. */
export type ShardState =
  | { state: 'pending'; detail: string }
  | { state: 'running' }
  /** The test process ended by itself: its exit code decides pass or fail. */
  | { state: 'ended'; exitCode: number; detail: string }
  /** Something outside the tests broke; `collectable` when /artifacts can still be read. */
  | { state: 'infrastructure'; reason: string; message: string; collectable: boolean };

/** Classifies a runner pod; `now` (ms since epoch) dates how long it has been unschedulable. */
export function classifyPod(pod: KubeObject, now: number = Date.now()): ShardState {
  const status = (pod.status ?? {}) as { phase?: string; reason?: string; message?: string };
  const name = pod.metadata.name ?? '?';
  if (status.reason === 'Evicted')
    return infra('Evicted', `pod ${name} was evicted: ${status.message ?? 'no message'}`, false);
  if (status.reason === 'DeadlineExceeded')
    return infra('DeadlineExceeded', `pod ${name} ran past its deadline`, false);

  const tests = containerStatus(pod, TEST_CONTAINER);
  const holder = containerStatus(pod, HOLDER_CONTAINER);
  const holderAlive = Boolean(holder?.state?.running);
  const waiting = tests?.state?.waiting;
  if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason))
    return infra(
      waiting.reason,
      `the runner image ${tests?.image ?? ''} cannot be pulled onto the node (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`,
      false,
    );
  if (waiting?.reason && CONFIG_REASONS.has(waiting.reason))
    return infra(
      waiting.reason,
      `the test container of pod ${name} cannot be created: ${waiting.message ?? waiting.reason}`,
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

  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = scheduled.lastTransitionTime ? new Date(scheduled.lastTransitionTime).getTime() : now;
    if (now - since >= UNSCHEDULABLE_GRACE_MS)
      return infra(
        'Unschedulable',
        `pod ${name} cannot be scheduled: ${scheduled.message ?? ''}`.trim(),
        false,
      );
    return { state: 'pending', detail: `unschedulable: ${scheduled.message ?? ''}` };
  }
  if (tests?.state?.running) return { state: 'running' };
  return { state: 'pending', detail: tests ? describeContainerState(tests.state) : 'not started' };
}

/** The shard index of a runner pod, from the annotation the Job controller sets. */
export function shardIndexOf(pod: KubeObject): number | undefined {
  const raw = pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
  const index = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(index) && index >= 0 ? index : undefined;
}

/** Whether the holder container still runs, so /artifacts can be copied out. */
export function holderRunning(pod: KubeObject): boolean {
  return Boolean(containerStatus(pod, HOLDER_CONTAINER)?.state?.running);
}

/** The Job's failure that no pod shows, e.g. its deadline: `DeadlineExceeded`, or undefined. */
export function jobFailureOf(job: KubeObject | undefined): { reason: string; message: string } | undefined {
  // Since Kubernetes 1.31 the controller sets FailureTarget at once and Failed only after it has
  // terminated the pods; the first is the moment to react.
  const failed = [conditionOf(job, 'FailureTarget'), conditionOf(job, 'Failed')].find(
    (c) => c?.status === 'True',
  );
  if (!failed) return undefined;
  return { reason: failed.reason ?? 'JobFailed', message: failed.message ?? 'the Job failed' };
}

function containerStatus(pod: KubeObject, name: string): ContainerStatusLike | undefined {
  const status = pod.status as { containerStatuses?: ContainerStatusLike[] } | undefined;
  return status?.containerStatuses?.find((c) => c.name === name);
}

function infra(reason: string, message: string, collectable: boolean): ShardState {
  return { state: 'infrastructure', reason, message, collectable };
}
