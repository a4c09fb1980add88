// A person-readable summary of an object's state: what a timeout message, an abort and a failure
// bundle show (phase, conditions, container states with reasons, replica counts).
import type { KubeObject } from './manifests.ts';

interface ConditionLike {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string | Date;
}

/** A container state as the API reports it (typed or raw JSON). */
export interface ContainerStateLike {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string | Date };
  terminated?: { reason?: string; exitCode?: number; message?: string; signal?: number };
}

/** A container status as the API reports it (typed or raw JSON). */
export interface ContainerStatusLike {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  state?: ContainerStateLike;
  lastState?: ContainerStateLike;
}

/** `Pod ns/name`, `Node name`. */
export function objectRef(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ''}${object.metadata.name ?? '?'}`;
}

/** The object's conditions as plain records. */
function conditionsOf(object: KubeObject | undefined): ConditionLike[] {
  const status = object?.status as { conditions?: ConditionLike[] } | undefined;
  return Array.isArray(status?.conditions) ? status.conditions : [];
}

/** The condition `type` of an object, if it reports one. */
export function conditionOf(object: KubeObject | undefined, type: string): ConditionLike | undefined {
  return conditionsOf(object).find((c) => c.type === type);
}

/** Init and app container statuses of a pod. */
export function containerStatusesOf(pod: KubeObject): ContainerStatusLike[] {
  const status = pod.status as
    { initContainerStatuses?: ContainerStatusLike[]; containerStatuses?: ContainerStatusLike[] } | undefined;
  return [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])];
}

/** `waiting (ImagePullBackOff: Back-off pulling image "x")`, `terminated (Error, exit 1)`, `running`. */
export function describeContainerState(state: ContainerStateLike | undefined): string {
  if (!state) return 'unknown';
  if (state.waiting)
    return `waiting (${[state.waiting.reason, state.waiting.message].filter(Boolean).join(': ') || 'no reason'})`;
  if (state.terminated) {
    const t = state.terminated;
    const parts = [
      t.reason,
      t.exitCode === undefined ? undefined : `exit ${t.exitCode}`,
      t.message?.trim(),
    ].filter(Boolean);
    return `terminated (${parts.join(', ')})`;
  }
  if (state.running) return 'running';
  return 'unknown';
}

/** Several lines describing the object's state, for error messages and bundles. */
export function describeObjectState(object: KubeObject): string[] {
  const lines: string[] = [];
  const status = (object.status ?? {}) as Record<string, unknown>;
  const generation = object.metadata.generation as number | undefined;
  const head: string[] = [];
  if (typeof status.phase === 'string') head.push(`phase ${status.phase}`);
  for (const key of [
    'replicas',
    'readyReplicas',
    'updatedReplicas',
    'availableReplicas',
    'desiredNumberScheduled',
    'numberReady',
    'updatedNumberScheduled',
    'active',
    'succeeded',
    'failed',
  ])
    if (typeof status[key] === 'number') head.push(`${key}=${status[key]}`);
  const spec = object.spec as { replicas?: number } | undefined;
  if (typeof spec?.replicas === 'number') head.push(`spec.replicas=${spec.replicas}`);
  if (
    typeof status.observedGeneration === 'number' &&
    generation !== undefined &&
    status.observedGeneration < generation
  )
    head.push(`observedGeneration ${status.observedGeneration} < generation ${generation}`);
  if (object.metadata.deletionTimestamp) head.push('being deleted');
  lines.push(`${objectRef(object)}: ${head.join(', ') || 'no status yet'}`);
  const conditions = conditionsOf(object);
  if (conditions.length)
    lines.push(
      `  conditions: ${conditions
        .map(
          (c) =>
            `${c.type}=${c.status}${c.reason || c.message ? ` (${[c.reason, c.message].filter(Boolean).join(': ')})` : ''}`,
        )
        .join('; ')}`,
    );
  if (object.kind === 'Pod')
    for (const container of containerStatusesOf(object)) {
      const previous =
        container.lastState && Object.keys(container.lastState).length
          ? `; previous: ${describeContainerState(container.lastState)}`
          : '';
      lines.push(
        `  container ${container.name}: ${describeContainerState(container.state)}, restarts ${container.restartCount ?? 0}${previous}`,
      );
    }
  return lines;
}
