// What marks the objects incluster creates as its own: the labels and annotations on namespaces,
// Jobs, Secrets and images, the run id they carry, and how `sweep` finds the test namespaces left
// behind. One module without dependencies, so the CLI, the runner, the cluster lifecycle and the
// Vitest fixtures agree on these names without loading each other (`sweep` must not load Vitest).
import { randomBytes } from 'node:crypto';

/** Set to MANAGED_BY_VALUE on everything incluster creates. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The value of MANAGED_BY_LABEL on everything incluster creates. */
const MANAGED_BY_VALUE = 'incluster';
/** The run that created an object: an `incluster run`, or one process using the Vitest fixtures. */
export const RUN_ID_LABEL = 'incluster.dev/run-id';
/** The test a namespace belongs to. */
export const TEST_ID_LABEL = 'incluster.dev/test-id';
/** The config's cluster name, on what `up` and `run` create in a cluster; `down` selects on it. */
export const CLUSTER_LABEL = 'incluster.dev/cluster';
/** When `sweep` may delete the namespace (ISO time). */
export const EXPIRES_AT_ANNOTATION = 'incluster.dev/expires-at';
/** The full test name, for people reading `kubectl get ns -o yaml`. */
export const TEST_NAME_ANNOTATION = 'incluster.dev/test-name';
/** Finalizers incluster itself puts on objects; the only ones it may remove. */
export const OWN_FINALIZER_PREFIX = 'incluster.dev/';

/** `extra` plus the label that marks an object as incluster's (which wins a clash). */
export function managedByLabels(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...extra, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE };
}

/** `key=value,…`: a Kubernetes label selector, or the value of `docker … --label`/`--filter label=`. */
export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** Selects everything incluster created: `app.kubernetes.io/managed-by=incluster`. */
export const MANAGED_BY_SELECTOR: string = labelSelector(managedByLabels());

/**
 * A new run id, `20261124-150312-a1b2`: UTC time to the second, so ids sort by start, and 4 random
 * hex digits. Lowercase letters, digits and hyphens only, 20 characters: a valid label value, and
 * `incluster-run-<id>` a valid namespace name (a DNS label of at most 63 characters).
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** `value` made a valid label value: at most 63 of `A-Za-z0-9._-`, alphanumeric at both ends. */
export function labelValue(value: string): string {
  return (
    value
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 63)
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'x'
  );
}

/** What `sweepCandidate` reads of a namespace; a V1Namespace fits. */
export interface NamespaceLike {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: { phase?: string };
}

/** An incluster test namespace `sweep` may delete. */
export interface SweepCandidate {
  name: string;
  expiresAt: string;
  expired: boolean;
  runId: string | undefined;
}

/** Lists the namespaces among which `sweepCandidate` finds the test namespaces. */
export const TEST_NAMESPACE_SELECTOR: string = MANAGED_BY_SELECTOR;

/**
 * The namespace as `sweep` judges it when it is an incluster test namespace (labelled as ours,
 * carrying an expiry, not already terminating); undefined for any other namespace, which `sweep`
 * never touches. `expired` once the expiry is at or before `now`.
 */
export function sweepCandidate(
  namespace: NamespaceLike,
  now: number = Date.now(),
): SweepCandidate | undefined {
  const { metadata, status } = namespace;
  const expiresAt = metadata?.annotations?.[EXPIRES_AT_ANNOTATION];
  if (!metadata?.name || metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) return undefined;
  if (expiresAt === undefined || status?.phase === 'Terminating') return undefined;
  const time = Date.parse(expiresAt);
  return {
    name: metadata.name,
    expiresAt,
    expired: !Number.isNaN(time) && time <= now,
    runId: metadata.labels[RUN_ID_LABEL],
  };
}
