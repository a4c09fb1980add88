// A run's fair share of a shared cluster, as plain data (no I/O): the LimitRange that gives every
// container of the run's namespace requests and limits (a chart's or a manifest's that set none),
// the ResourceQuota that caps the namespace, and the arithmetic of what the run's pods ask for,
// counted as Kubernetes counts it: a container without requests takes its limits or the
// LimitRange's defaults, and a pod asks for the larger of its containers' sum and its largest init
// container.
import type { Config } from '../config/schema.ts';
import type { KubeObject } from '../kube/manifests.ts';
import { formatBytes, formatCpu, parseQuantity } from '../kube/quantity.ts';
import { managedByLabels, RUN_ID_LABEL } from '../ownership.ts';

/** What pods ask for, in cores, bytes and pods. */
export interface Resources {
  requestsCpu: number;
  requestsMemory: number;
  limitsCpu: number;
  limitsMemory: number;
  pods: number;
}

/** The LimitRange's and the quota's name in the run's namespace. */
export const FAIR_SHARE_NAME = 'incluster-run';

export const NO_RESOURCES: Resources = {
  requestsCpu: 0,
  requestsMemory: 0,
  limitsCpu: 0,
  limitsMemory: 0,
  pods: 0,
};

type ContainerDefaults = Config['runner']['limitRange'];
interface ContainerLike {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}

/** What one container asks for once the LimitRange's defaults apply. */
function containerResources(container: ContainerLike, defaults: ContainerDefaults): Resources {
  const { requests = {}, limits = {} } = container.resources ?? {};
  const pick = (...fallbacks: (string | undefined)[]) =>
    parseQuantity(fallbacks.find((value) => value !== undefined)) ?? 0;
  return {
    requestsCpu: pick(requests.cpu, limits.cpu, defaults.defaultRequest.cpu),
    requestsMemory: pick(requests.memory, limits.memory, defaults.defaultRequest.memory),
    limitsCpu: pick(limits.cpu, defaults.default.cpu),
    limitsMemory: pick(limits.memory, defaults.default.memory),
    pods: 0,
  };
}

/** What one pod asks for: its containers together, or its largest init container if larger. */
export function podResources(spec: PodSpecLike, defaults: ContainerDefaults): Resources {
  const together = (spec.containers ?? [])
    .map((c) => containerResources(c, defaults))
    .reduce(add, NO_RESOURCES);
  const init = (spec.initContainers ?? []).map((c) => containerResources(c, defaults));
  const max = (key: keyof Resources) => Math.max(together[key], ...init.map((r) => r[key]));
  return {
    requestsCpu: max('requestsCpu'),
    requestsMemory: max('requestsMemory'),
    limitsCpu: max('limitsCpu'),
    limitsMemory: max('limitsMemory'),
    pods: 1,
  };
}

export function add(a: Resources, b: Resources): Resources {
  return {
    requestsCpu: a.requestsCpu + b.requestsCpu,
    requestsMemory: a.requestsMemory + b.requestsMemory,
    limitsCpu: a.limitsCpu + b.limitsCpu,
    limitsMemory: a.limitsMemory + b.limitsMemory,
    pods: a.pods + b.pods,
  };
}

export function times(resources: Resources, count: number): Resources {
  return Array.from({ length: count }, () => resources).reduce(add, NO_RESOURCES);
}

/** The ResourceQuota's `hard` for `resources`. */
export function quotaHard(resources: Resources): Record<string, string> {
  return {
    'requests.cpu': formatCpu(resources.requestsCpu),
    'requests.memory': formatBytes(resources.requestsMemory),
    'limits.cpu': formatCpu(resources.limitsCpu),
    'limits.memory': formatBytes(resources.limitsMemory),
    pods: String(resources.pods),
  };
}

/** The quota's `hard` as Resources (what it does not cap is unbounded). */
export function quotaResources(hard: Readonly<Record<string, string>>): Resources {
  const value = (key: string) => parseQuantity(hard[key]) ?? Infinity;
  return {
    requestsCpu: value('requests.cpu'),
    requestsMemory: value('requests.memory'),
    limitsCpu: value('limits.cpu'),
    limitsMemory: value('limits.memory'),
    pods: value('pods'),
  };
}

/** `requests.cpu 750m, limits.memory 1Gi`: the amounts of `resources` named as a quota names them. */
export function describeResources(resources: Resources, keys: readonly (keyof Resources)[]): string {
  const hard = quotaHard(resources);
  return keys.map((key) => `${QUOTA_KEYS[key]} ${hard[QUOTA_KEYS[key]]}`).join(', ');
}

/** The quota's name of each amount. */
export const QUOTA_KEYS: Record<keyof Resources, string> = {
  requestsCpu: 'requests.cpu',
  requestsMemory: 'requests.memory',
  limitsCpu: 'limits.cpu',
  limitsMemory: 'limits.memory',
  pods: 'pods',
};

/** The amounts in which `need` exceeds `room`. */
export function exceeding(need: Resources, room: Resources): (keyof Resources)[] {
  return (Object.keys(QUOTA_KEYS) as (keyof Resources)[]).filter((key) => need[key] > room[key] + 1e-9);
}

/** The LimitRange of the run's namespace: defaults for every container that sets none. */
export function limitRange(
  spec: { namespace: string; runId: string },
  defaults: ContainerDefaults,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: FAIR_SHARE_NAME, namespace: spec.namespace, labels: labels(spec.runId) },
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: { ...defaults.defaultRequest },
          default: { ...defaults.default },
        },
      ],
    },
  };
}

/** The ResourceQuota of the run's namespace. */
export function resourceQuota(
  spec: { namespace: string; runId: string },
  hard: Readonly<Record<string, string>>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: FAIR_SHARE_NAME, namespace: spec.namespace, labels: labels(spec.runId) },
    spec: { hard: { ...hard } },
  };
}

function labels(runId: string): Record<string, string> {
  return managedByLabels({ [RUN_ID_LABEL]: runId });
}
