// Named conditions for waitFor, built from a few generic judgements (is this pod doomed, is this
// workload rolled out) in the way e2e-framework builds PodReady from PodConditionMatch. Each watches
// what it needs, including a workload's pods, so a doomed rollout is reported at once (FR-023).
import type { KubeClient } from './client.ts';
import type { KubeObject } from './manifests.ts';
import { conditionOf, describeContainerState, objectRef } from './object-state.ts';
import {
  jobFailure,
  jobSucceeded,
  stuckContainer,
  UNSCHEDULABLE_GRACE_MS,
  unschedulableSince,
  lastingRefusal,
} from './pod-judgement.ts';
import type { Condition, ConditionView, Verdict } from './wait.ts';
import type { WatchSpec } from './watch.ts';

/** A kind: `Pod`, `Deployment` for well-known ones, or `{ apiVersion, kind }`. */
export type KindRef = string | { apiVersion: string; kind: string };

const WELL_KNOWN: Record<string, string> = {
  Pod: 'v1',
  Service: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Namespace: 'v1',
  Node: 'v1',
  ServiceAccount: 'v1',
  PersistentVolumeClaim: 'v1',
  Endpoints: 'v1',
  Event: 'v1',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  Ingress: 'networking.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
};

/** Resolves a KindRef to apiVersion and kind; `apps/v1/Deployment` is accepted too. */
function kindOf(ref: KindRef): { apiVersion: string; kind: string } {
  if (typeof ref !== 'string') return ref;
  const slash = ref.lastIndexOf('/');
  if (slash > 0) return { apiVersion: ref.slice(0, slash), kind: ref.slice(slash + 1) };
  const apiVersion = WELL_KNOWN[ref];
  if (!apiVersion)
    throw new Error(`kind ${ref} is not well known: pass { apiVersion, kind } or "group/version/Kind"`);
  return { apiVersion, kind: ref };
}

/** Options of the pod-judging conditions. */
export interface PodJudgement {
  /** How long a pod may stay unschedulable before the wait aborts. */
  unschedulableGraceMs?: number;
  /**
   * Also watch the namespace's FailedCreate events, and abort when a controller may not create a
   * pod (quota, Pod Security): it needs the right to watch events there.
   */
  refusals?: boolean;
}

/** The pod is Ready. Aborts on image pull failure, crash loop, pod failure, unschedulable, deletion. */
export function podReady(
  client: KubeClient,
  namespace: string,
  name: string,
  options: PodJudgement = {},
): Condition<KubeObject> {
  const judge = podJudge(options);
  return single<KubeObject>(
    client,
    'Pod',
    namespace,
    name,
    `Pod ${namespace}/${name} to be Ready`,
    (pod, view) => {
      if (conditionOf(pod, 'Ready')?.status === 'True') return { state: 'met', value: pod };
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed')
        return {
          state: 'impossible',
          reason: phase === 'Failed' ? 'PodFailed' : 'PodCompleted',
          message: `the pod ${phase === 'Failed' ? 'failed' : 'ran to completion'} without becoming Ready`,
          object: pod,
        };
      return judge(pod, view) ?? { state: 'pending' };
    },
  );
}

/** The Deployment has rolled out: observedGeneration current, all replicas updated and available. */
export function deploymentAvailable(
  client: KubeClient,
  namespace: string,
  name: string,
  options: PodJudgement = {},
): Condition<KubeObject> {
  return workload(
    client,
    'Deployment',
    namespace,
    name,
    `Deployment ${namespace}/${name} to be Available`,
    deploymentRolledOut,
    options,
  );
}

/** The StatefulSet has all replicas ready at the current revision. */
export function statefulSetReady(
  client: KubeClient,
  namespace: string,
  name: string,
  options: PodJudgement = {},
): Condition<KubeObject> {
  return workload(
    client,
    'StatefulSet',
    namespace,
    name,
    `StatefulSet ${namespace}/${name} to be ready`,
    statefulSetRolledOut,
    options,
  );
}

/** The DaemonSet has a ready, updated pod on every node it targets. */
export function daemonSetReady(
  client: KubeClient,
  namespace: string,
  name: string,
  options: PodJudgement = {},
): Condition<KubeObject> {
  return workload(
    client,
    'DaemonSet',
    namespace,
    name,
    `DaemonSet ${namespace}/${name} to be ready`,
    daemonSetRolledOut,
    options,
  );
}

/** The Job completed; a failed Job aborts the wait. */
export function jobComplete(
  client: KubeClient,
  namespace: string,
  name: string,
  options: PodJudgement = {},
): Condition<KubeObject> {
  return workload(
    client,
    'Job',
    namespace,
    name,
    `Job ${namespace}/${name} to complete`,
    (job) => {
      const failed = jobFailedMessage(job);
      if (failed) return { state: 'impossible', reason: 'JobFailed', message: failed, object: job };
      return conditionOf(job, 'Complete')?.status === 'True' ? 'ready' : 'progressing';
    },
    options,
  );
}

/** The Job finished, either way; resolves to whether it succeeded. Pods that cannot start still abort. */
export function jobFinished(
  client: KubeClient,
  namespace: string,
  name: string,
  options: PodJudgement = {},
): Condition<{ succeeded: boolean; job: KubeObject }> {
  const judge = podJudge(options);
  return {
    client,
    description: `Job ${namespace}/${name} to finish`,
    subject: { kind: 'Job', namespace, name },
    sources: {
      object: { apiVersion: 'batch/v1', kind: 'Job', namespace, name },
      pods: { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `job-name=${name}` },
    },
    evaluate(view) {
      const job = view.object('object');
      if (!job) return missing(view, `Job ${namespace}/${name}`);
      if (jobSucceeded(job)) return { state: 'met', value: { succeeded: true, job } };
      if (jobFailure(job)) return { state: 'met', value: { succeeded: false, job } };
      return firstDoomedPod(view.objects('pods'), view, judge) ?? { state: 'pending' };
    },
  };
}

/** The Service has at least one ready endpoint (read from its EndpointSlices). */
export function serviceHasEndpoints(
  client: KubeClient,
  namespace: string,
  name: string,
  options: { atLeast?: number } = {},
): Condition<string[]> {
  // The EndpointSlice controller follows pod readiness with a lag: a Deployment can be Available
  // with only some of its pods behind the Service yet, so a caller needing all says how many.
  const atLeast = options.atLeast ?? 1;
  return {
    client,
    description: `Service ${namespace}/${name} to have ${atLeast === 1 ? 'ready endpoints' : `${atLeast} ready endpoints`}`,
    subject: { kind: 'Service', namespace, name },
    sources: {
      object: { apiVersion: 'v1', kind: 'Service', namespace, name },
      slices: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        namespace,
        labelSelector: `kubernetes.io/service-name=${name}`,
      },
    },
    evaluate(view) {
      if (!view.object('object')) return missing(view, `Service ${namespace}/${name}`);
      const addresses = view
        .objects('slices')
        .flatMap((slice) =>
          (
            (slice.endpoints as { addresses?: string[]; conditions?: { ready?: boolean } }[] | undefined) ??
            []
          )
            .filter((e) => e.conditions?.ready !== false)
            .flatMap((e) => e.addresses ?? []),
        );
      return addresses.length >= atLeast
        ? { state: 'met', value: addresses }
        : { state: 'pending', detail: `${addresses.length || 'no'} ready endpoints` };
    },
  };
}

/** The object no longer exists (already absent counts). */
export function deleted(
  client: KubeClient,
  kind: KindRef,
  namespace: string | undefined,
  name: string,
): Condition<void> {
  const { apiVersion, kind: k } = kindOf(kind);
  return {
    client,
    description: `${k} ${namespace ? `${namespace}/` : ''}${name} to be deleted`,
    subject: { kind: k, namespace, name },
    sources: { object: { apiVersion, kind: k, namespace, name } },
    evaluate: (view) => (view.object('object') ? { state: 'pending' } : { state: 'met', value: undefined }),
  };
}

/** At least one Node is registered; the value is every registered Node's name. */
export function nodesRegistered(client: KubeClient): Condition<string[]> {
  return {
    client,
    description: 'a node to register with the API server',
    subject: { kind: 'Node' },
    sources: { nodes: { apiVersion: 'v1', kind: 'Node' } },
    evaluate(view) {
      const names = view
        .objects('nodes')
        .map((node) => node.metadata.name)
        .filter((name): name is string => typeof name === 'string' && name !== '');
      return names.length ? { state: 'met', value: names } : { state: 'pending', detail: 'no node yet' };
    },
  };
}

/** The Node reports Ready. */
export function nodeReady(client: KubeClient, name: string): Condition<KubeObject> {
  return single<KubeObject>(client, 'Node', undefined, name, `Node ${name} to be Ready`, (node) =>
    conditionOf(node, 'Ready')?.status === 'True' ? { state: 'met', value: node } : { state: 'pending' },
  );
}

/** Any object of any kind satisfies `predicate`; aborts if it is deleted while waiting. */
export function match<T = KubeObject>(
  client: KubeClient,
  kind: KindRef,
  namespace: string | undefined,
  name: string,
  predicate: (object: T) => boolean,
  description?: string,
): Condition<T> {
  const { kind: k } = kindOf(kind);
  const ref = `${k} ${namespace ? `${namespace}/` : ''}${name}`;
  return single<T>(client, kind, namespace, name, description ?? `${ref} to match a predicate`, (object) =>
    predicate(object as unknown as T)
      ? { state: 'met', value: object as unknown as T }
      : { state: 'pending' },
  );
}

/** Every Deployment, StatefulSet, DaemonSet and Job in the namespace is ready (Jobs complete). */
export function namespaceWorkloadsReady(
  client: KubeClient,
  namespace: string,
  options: PodJudgement = {},
): Condition<string[]> {
  const judge = podJudge(options);
  const kinds: [string, string, (o: KubeObject) => Readiness][] = [
    ['deployments', 'Deployment', deploymentRolledOut],
    ['statefulsets', 'StatefulSet', statefulSetRolledOut],
    ['daemonsets', 'DaemonSet', daemonSetRolledOut],
    [
      'jobs',
      'Job',
      (job) => {
        const failed = jobFailedMessage(job);
        if (failed)
          return {
            state: 'impossible',
            reason: 'JobFailed',
            message: `${objectRef(job)}: ${failed}`,
            object: job,
          };
        return conditionOf(job, 'Complete')?.status === 'True' ? 'ready' : 'progressing';
      },
    ],
  ];
  const sources: Record<string, WatchSpec> = { pods: { apiVersion: 'v1', kind: 'Pod', namespace } };
  for (const [source, kind] of kinds) sources[source] = { ...kindOf(kind), namespace };
  if (options.refusals)
    sources.refusals = { apiVersion: 'v1', kind: 'Event', namespace, fieldSelector: 'reason=FailedCreate' };
  return {
    client,
    description: `every workload in namespace ${namespace} to be ready`,
    subject: { kind: 'Namespace', namespace, name: undefined },
    sources,
    evaluate(view) {
      const waitingFor: string[] = [];
      const ready: string[] = [];
      for (const [source, , judgeWorkload] of kinds)
        for (const object of view.objects(source)) {
          const readiness = judgeWorkload(object);
          if (typeof readiness === 'object') return readiness;
          (readiness === 'ready' ? ready : waitingFor).push(objectRef(object));
        }
      // Only pods owned by a workload: a test's own bare pod failing is not the namespace's problem.
      const owned = view
        .objects('pods')
        .filter(
          (pod) => Array.isArray(pod.metadata.ownerReferences) && pod.metadata.ownerReferences.length > 0,
        );
      const doomed = firstDoomedPod(owned, view, judge);
      if (doomed?.state === 'impossible') return doomed;
      const refusal = options.refusals
        ? lastingRefusal(view.objects('refusals'), view.now - view.elapsedMs)
        : undefined;
      if (refusal)
        return {
          state: 'impossible',
          reason: 'PodCreationRefused',
          message: `${refusal.object} cannot create its pods: ${refusal.message}`,
        };
      if (doomed) return doomed;
      return waitingFor.length
        ? { state: 'pending', detail: `waiting for ${waitingFor.join(', ')}` }
        : { state: 'met', value: ready };
    },
  };
}

type Readiness =
  'ready' | 'progressing' | { state: 'impossible'; reason: string; message: string; object?: KubeObject };

function single<T>(
  client: KubeClient,
  kind: KindRef,
  namespace: string | undefined,
  name: string,
  description: string,
  judge: (object: KubeObject, view: ConditionView) => Verdict<T>,
): Condition<T> {
  const { apiVersion, kind: k } = kindOf(kind);
  return {
    client,
    description,
    subject: { kind: k, namespace, name },
    sources: { object: { apiVersion, kind: k, namespace, name } },
    evaluate(view) {
      const object = view.object('object');
      return object ? judge(object, view) : missing(view, `${k} ${namespace ? `${namespace}/` : ''}${name}`);
    },
  };
}

/** A workload (watched with its namespace's pods, matched by its selector). */
function workload(
  client: KubeClient,
  kind: string,
  namespace: string,
  name: string,
  description: string,
  rolledOut: (object: KubeObject) => Readiness,
  options: PodJudgement,
): Condition<KubeObject> {
  const judge = podJudge(options);
  return {
    client,
    description,
    subject: { kind, namespace, name },
    sources: {
      object: { ...kindOf(kind), namespace, name },
      pods: { apiVersion: 'v1', kind: 'Pod', namespace },
    },
    evaluate(view) {
      const object = view.object('object');
      if (!object) return missing(view, `${kind} ${namespace}/${name}`);
      const readiness = rolledOut(object);
      if (readiness === 'ready') return { state: 'met', value: object };
      if (typeof readiness === 'object') return readiness;
      const pods = view.objects('pods').filter((pod) => selects(object, pod));
      return firstDoomedPod(pods, view, judge) ?? { state: 'pending' };
    },
  };
}

function missing(view: ConditionView, ref: string): Verdict<never> {
  return view.deletedAfterSeen('object')
    ? { state: 'impossible', reason: 'Deleted', message: `${ref} was deleted` }
    : { state: 'pending', detail: `${ref} does not exist yet` };
}

function deploymentRolledOut(d: KubeObject): Readiness {
  const spec = d.spec as { replicas?: number } | undefined;
  const status = (d.status ?? {}) as {
    observedGeneration?: number;
    updatedReplicas?: number;
    replicas?: number;
    availableReplicas?: number;
  };
  const progressing = conditionOf(d, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return {
      state: 'impossible',
      reason: 'ProgressDeadlineExceeded',
      message: `${objectRef(d)} exceeded its progress deadline`,
      object: d,
    };
  const want = spec?.replicas ?? 1;
  if ((status.observedGeneration ?? 0) < ((d.metadata.generation as number | undefined) ?? 0))
    return 'progressing';
  if ((status.updatedReplicas ?? 0) < want) return 'progressing';
  if ((status.replicas ?? 0) > (status.updatedReplicas ?? 0)) return 'progressing'; // old pods still terminating
  if ((status.availableReplicas ?? 0) < (status.updatedReplicas ?? 0)) return 'progressing';
  return conditionOf(d, 'Available')?.status === 'True' || want === 0 ? 'ready' : 'progressing';
}

function statefulSetRolledOut(s: KubeObject): Readiness {
  const spec = s.spec as { replicas?: number } | undefined;
  const status = (s.status ?? {}) as {
    observedGeneration?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
  const want = spec?.replicas ?? 1;
  if ((status.observedGeneration ?? 0) < ((s.metadata.generation as number | undefined) ?? 0))
    return 'progressing';
  if ((status.readyReplicas ?? 0) < want) return 'progressing';
  if (
    status.updateRevision &&
    status.currentRevision !== status.updateRevision &&
    (status.updatedReplicas ?? 0) < want
  )
    return 'progressing';
  return 'ready';
}

function daemonSetRolledOut(d: KubeObject): Readiness {
  const status = (d.status ?? {}) as {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
  if ((status.observedGeneration ?? 0) < ((d.metadata.generation as number | undefined) ?? 0))
    return 'progressing';
  const want = status.desiredNumberScheduled ?? 0;
  if (
    (status.updatedNumberScheduled ?? 0) < want ||
    (status.numberReady ?? 0) < want ||
    (status.numberAvailable ?? 0) < want
  )
    return 'progressing';
  return 'ready';
}

/** `the Job failed (BackoffLimitExceeded: …)`, or undefined while it has not failed. */
function jobFailedMessage(job: KubeObject): string | undefined {
  const failed = jobFailure(job);
  return failed ? `the Job failed (${failed.reason}: ${failed.message})` : undefined;
}

/** True when the workload's selector (matchLabels and matchExpressions In/NotIn/Exists) selects the pod. */
function selects(workloadObject: KubeObject, pod: KubeObject): boolean {
  const selector = (
    workloadObject.spec as
      | {
          selector?: {
            matchLabels?: Record<string, string>;
            matchExpressions?: { key: string; operator: string; values?: string[] }[];
          };
        }
      | undefined
  )?.selector;
  if (!selector) return false;
  const labels = pod.metadata.labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    if (expression.operator === 'In' && (value === undefined || !values.includes(value))) return false;
    if (expression.operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (expression.operator === 'Exists' && value === undefined) return false;
    if (expression.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}

/** Judges a pod that is not ready yet: doomed (impossible) or still worth waiting for. */
function podJudge(options: PodJudgement) {
  const grace = options.unschedulableGraceMs ?? UNSCHEDULABLE_GRACE_MS;
  const unschedulableFirstSeen = new Map<string, number>();
  return (pod: KubeObject, view: ConditionView): Verdict<never> | undefined => {
    const stuck = stuckContainer(pod);
    if (stuck) {
      const { container } = stuck;
      const previous = container.lastState?.terminated
        ? `; last run: ${describeContainerState(container.lastState)}`
        : '';
      return {
        state: 'impossible',
        reason: stuck.reason,
        message: `${objectRef(pod)} container ${container.name} is ${describeContainerState(container.state)}${previous}`,
        object: pod,
      };
    }
    const key = pod.metadata.name ?? '';
    const spell = unschedulableSince(pod, view.now, unschedulableFirstSeen.get(key));
    if (!spell) {
      unschedulableFirstSeen.delete(key);
      return undefined;
    }
    if (!unschedulableFirstSeen.has(key)) unschedulableFirstSeen.set(key, view.now);
    const waited = view.now - spell.since;
    if (waited >= grace)
      return {
        state: 'impossible',
        reason: 'Unschedulable',
        message: `${objectRef(pod)} cannot be scheduled: ${spell.message}`,
        object: pod,
      };
    return { state: 'pending', detail: 'unschedulable', recheckInMs: grace - waited };
  };
}

function firstDoomedPod(
  pods: KubeObject[],
  view: ConditionView,
  judge: ReturnType<typeof podJudge>,
): Verdict<never> | undefined {
  let pending: Verdict<never> | undefined;
  for (const pod of pods) {
    const verdict = judge(pod, view);
    if (verdict?.state === 'impossible') return verdict;
    if (verdict) pending ??= verdict;
  }
  return pending;
}
