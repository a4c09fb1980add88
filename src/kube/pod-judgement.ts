// The one judgement of pods and Jobs that cannot get where they are going: a container whose
// waiting reason means it will not start without someone changing something, a pod unschedulable
// past its grace, a pod the kubelet evicted or whose deadline passed, a Job that failed, a pod a
// controller may not create (the namespace's quota, its Pod Security level). The waits
// (conditions.ts) and the runner's shard classification both ask here, so the two never disagree
// about what "doomed" means or how long unschedulable may last.
import type { KubeObject } from './manifests.ts';
import { conditionOf, containerStatusesOf, type ContainerStatusLike } from './object-state.ts';

/** How long a pod may stay unschedulable before it is judged doomed (a freed node needs a moment). */
export const UNSCHEDULABLE_GRACE_MS = 15_000;

/** Why a waiting container will not start: its image, its configuration, or its own crashes. */
export type FatalCause = 'image' | 'configuration' | 'crash';

/** Waiting reasons after which a container does not start unless someone changes something. */
const FATAL_WAITING_REASONS: ReadonlyMap<string, FatalCause> = new Map([
  ['ErrImagePull', 'image'],
  ['ImagePullBackOff', 'image'],
  ['ErrImageNeverPull', 'image'],
  ['InvalidImageName', 'image'],
  ['CreateContainerConfigError', 'configuration'],
  ['CreateContainerError', 'configuration'],
  ['RunContainerError', 'configuration'],
  ['CrashLoopBackOff', 'crash'],
]);

/** A container stuck for good: which one, why, and the kubelet's words. */
export interface StuckContainer {
  container: ContainerStatusLike;
  reason: string;
  cause: FatalCause;
  message: string | undefined;
}

/**
 * A configuration failure the kubelet retries and gets past by itself: its caches of Secrets and
 * ConfigMaps not yet synced, a runtime call that timed out on a busy node. Seen under load; a
 * missing Secret or key, or a bad command, says something else and stays fatal.
 */
const PASSING_CONFIGURATION_FAILURE =
  /failed to sync (secret|configmap) cache|context deadline exceeded|timed out waiting for the condition/i;

/** The first container of `pod` (or the one named `only`) that waits for a fatal reason. */
export function stuckContainer(pod: KubeObject, only?: string): StuckContainer | undefined {
  for (const container of containerStatusesOf(pod)) {
    if (only !== undefined && container.name !== only) continue;
    const waiting = container.state?.waiting;
    const cause = waiting?.reason ? FATAL_WAITING_REASONS.get(waiting.reason) : undefined;
    if (cause === 'configuration' && PASSING_CONFIGURATION_FAILURE.test(waiting?.message ?? '')) continue;
    if (waiting?.reason && cause)
      return { container, reason: waiting.reason, cause, message: waiting.message };
  }
  return undefined;
}

/** A pod the kubelet ended for reasons of its own (eviction, activeDeadlineSeconds). */
export function podEndedByKubelet(
  pod: KubeObject,
): { reason: 'Evicted' | 'DeadlineExceeded'; message: string } | undefined {
  const status = (pod.status ?? {}) as { reason?: string; message?: string };
  if (status.reason === 'Evicted') return { reason: 'Evicted', message: status.message ?? 'no message' };
  if (status.reason === 'DeadlineExceeded')
    return { reason: 'DeadlineExceeded', message: status.message ?? 'it ran past its deadline' };
  return undefined;
}

/** An unschedulable pod: since when (ms since epoch) and the scheduler's message. */
export interface Unschedulable {
  since: number;
  message: string;
}

/**
 * The pod's unschedulable spell, if it is in one. `firstSeen` is when the caller first saw it so:
 * the earlier of that and the condition's transition time counts, as clocks may disagree.
 */
export function unschedulableSince(
  pod: KubeObject,
  now: number,
  firstSeen?: number,
): Unschedulable | undefined {
  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  const transition = scheduled.lastTransitionTime
    ? new Date(scheduled.lastTransitionTime).getTime()
    : Number.NaN;
  const seen = firstSeen ?? now;
  return {
    since: Number.isNaN(transition) ? seen : Math.min(seen, transition),
    message: scheduled.message ?? 'no reason given',
  };
}

/** How a Job failed, from the first condition that says so, or undefined while it has not. */
export function jobFailure(job: KubeObject | undefined): { reason: string; message: string } | undefined {
  // Since Kubernetes 1.31 the controller sets FailureTarget at once and Failed only after it has
  // terminated the pods; the first is the moment to react.
  const failed = [conditionOf(job, 'FailureTarget'), conditionOf(job, 'Failed')].find(
    (c) => c?.status === 'True',
  );
  if (!failed) return undefined;
  return { reason: failed.reason ?? 'JobFailed', message: failed.message ?? 'the Job failed' };
}

/** The Job reports success. */
export function jobSucceeded(job: KubeObject): boolean {
  return (
    conditionOf(job, 'Complete')?.status === 'True' ||
    conditionOf(job, 'SuccessCriteriaMet')?.status === 'True'
  );
}

/**
 * Refusals a controller meets creating a pod that do not pass by themselves: the namespace's
 * quota, or its Pod Security level. (A missing ServiceAccount right after a namespace is made, also
 * a FailedCreate, passes in a moment, and is left to the caller's grace.)
 */
const LASTING_REFUSAL = /exceeded quota|violates PodSecurity/;

/** How much older than the watch an event may look (the API server's clock against ours). */
const EVENT_CLOCK_SKEW_MS = 5_000;

/**
 * The latest FailedCreate event among `events` that refuses a pod for good, at or after `since`
 * (ms since epoch; older ones belong to an earlier attempt): which controller, and the message.
 */
export function lastingRefusal(
  events: readonly KubeObject[],
  since: number,
): { object: string; message: string } | undefined {
  for (const event of [...events].reverse()) {
    const e = event as KubeObject & {
      reason?: string;
      message?: string;
      lastTimestamp?: string;
      eventTime?: string;
      involvedObject?: { kind?: string; name?: string };
    };
    if (e.reason !== 'FailedCreate' || !LASTING_REFUSAL.test(e.message ?? '')) continue;
    const created = e.metadata.creationTimestamp;
    const at = Date.parse(e.lastTimestamp ?? e.eventTime ?? (typeof created === 'string' ? created : ''));
    if (!Number.isNaN(at) && at < since - EVENT_CLOCK_SKEW_MS) continue;
    return {
      object: `${e.involvedObject?.kind ?? '?'}/${e.involvedObject?.name ?? '?'}`,
      message: (e.message ?? '').trim(),
    };
  }
  return undefined;
}
