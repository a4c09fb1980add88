// Waiting for a condition, backed by watches (FR-021): every change is evaluated the moment it
// arrives; no sleep-polling. A wait that times out or becomes impossible explains itself: the object,
// the time waited, the last state seen and the object's recent events (FR-022, FR-023).
import { ExitStatus, InclusterError } from '../errors.ts';
import { formatDuration } from '../progress/status.ts';
import type { KubeClient } from './client.ts';
import { formatEvent, recentEvents } from './events.ts';
import type { KubeObject } from './manifests.ts';
import { describeObjectState } from './object-state.ts';
import { observe, type WatchSpec } from './watch.ts';

/** What a condition sees: the current objects of each of its sources. */
export interface ConditionView {
  /** Current objects of a source (empty before the first list). */
  objects(source: string): KubeObject[];
  /** The single object of a source watched by name, if it exists. */
  object(source: string): KubeObject | undefined;
  /** True when an object of the source was seen and then deleted during the wait. */
  deletedAfterSeen(source: string): boolean;
  /** Milliseconds since the wait started. */
  elapsedMs: number;
  /** Wall-clock now (ms since epoch). */
  now: number;
}

/** The verdict of one evaluation. */
export type Verdict<T> =
  | { state: 'met'; value: T }
  | { state: 'pending'; detail?: string; recheckInMs?: number }
  | { state: 'impossible'; reason: string; message: string; object?: KubeObject };

/** A condition: what to watch and how to judge what is seen. Made by the factories in conditions.ts. */
export interface Condition<T = KubeObject> {
  readonly client: KubeClient;
  /** `Pod ns/web to be Ready`. */
  readonly description: string;
  /** The object named in errors and whose events are shown. */
  readonly subject: { kind: string; namespace?: string; name?: string };
  readonly sources: Readonly<Record<string, WatchSpec>>;
  evaluate(view: ConditionView): Verdict<T>;
}

/** Timeout and abort of one wait. */
export interface WaitOptions {
  /** Milliseconds; default 120 000. */
  timeout?: number;
  signal?: AbortSignal;
}

/** The default wait timeout, long enough for an image-free pod start on a busy two-core machine. */
export const DEFAULT_WAIT_TIMEOUT_MS = 120_000;

/** What every wait failure carries: the object, the time waited and the state seen. */
interface WaitFailureDetails {
  object: string;
  elapsedMs: number;
  lastState: string[];
  events: string[];
}

/** A wait ran out of time: names the object, the elapsed time, the last state and recent events. */
export class WaitTimeoutError extends InclusterError {
  readonly reason = 'WaitTimeout';
  readonly object: string;
  readonly elapsedMs: number;
  readonly lastState: string[];
  readonly events: string[];
  constructor(description: string, details: WaitFailureDetails) {
    super(
      'INCLUSTER_WAIT_TIMEOUT',
      ExitStatus.infrastructure,
      renderFailure(
        `timed out after ${formatDuration(details.elapsedMs)} waiting for ${description}`,
        details,
      ),
    );
    this.object = details.object;
    this.elapsedMs = details.elapsedMs;
    this.lastState = details.lastState;
    this.events = details.events;
  }
}

/** A wait stopped early because its condition can no longer become true (FR-023). */
export class WaitImpossibleError extends InclusterError {
  /** `ImagePullBackOff`, `CrashLoopBackOff`, `JobFailed`, `Unschedulable`, `Deleted`, … */
  readonly reason: string;
  readonly object: string;
  readonly elapsedMs: number;
  readonly lastState: string[];
  readonly events: string[];
  constructor(description: string, reason: string, message: string, details: WaitFailureDetails) {
    super(
      'INCLUSTER_WAIT_IMPOSSIBLE',
      ExitStatus.infrastructure,
      renderFailure(
        `${description} cannot happen: ${message} (after ${formatDuration(details.elapsedMs)})`,
        details,
      ),
    );
    this.reason = reason;
    this.object = details.object;
    this.elapsedMs = details.elapsedMs;
    this.lastState = details.lastState;
    this.events = details.events;
  }
}

/** Waits until `condition` is met; rejects with WaitTimeoutError, WaitImpossibleError or the abort reason. */
export function waitFor<T>(condition: Condition<T>, options: WaitOptions = {}): Promise<T> {
  const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  const started = performance.now();
  const controller = new AbortController();
  const names = Object.keys(condition.sources);
  const stores = new Map(
    names.map((name) => [
      name,
      { objects: new Map<string, KubeObject>(), synced: false, seen: new Set<string>(), deleted: false },
    ]),
  );
  const view: ConditionView = {
    objects: (source) => [...(stores.get(source)?.objects.values() ?? [])],
    object: (source) => stores.get(source)?.objects.values().next().value,
    deletedAfterSeen: (source) => stores.get(source)?.deleted ?? false,
    get elapsedMs() {
      return performance.now() - started;
    },
    get now() {
      return Date.now();
    },
  };

  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let recheck: NodeJS.Timeout | undefined;
    const settle = (outcome: () => void | Promise<void>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(recheck);
      options.signal?.removeEventListener('abort', onAbort);
      controller.abort();
      void Promise.resolve()
        .then(outcome)
        .catch((error: unknown) => reject(asError(error)));
    };
    const evaluate = () => {
      if (settled || [...stores.values()].some((s) => !s.synced)) return;
      let verdict: Verdict<T>;
      try {
        verdict = condition.evaluate(view);
      } catch (error) {
        settle(() => reject(asError(error)));
        return;
      }
      if (verdict.state === 'met') settle(() => resolve(verdict.value));
      else if (verdict.state === 'impossible')
        settle(async () => {
          const details = await failureDetails(condition, stores, started, verdict.object);
          reject(new WaitImpossibleError(condition.description, verdict.reason, verdict.message, details));
        });
      else if (verdict.recheckInMs !== undefined) {
        // A time-based verdict (e.g. unschedulable past its grace period) needs one more look later.
        clearTimeout(recheck);
        recheck = setTimeout(evaluate, Math.max(10, verdict.recheckInMs));
      }
    };
    const onAbort = () =>
      settle(() =>
        reject(
          options.signal?.reason instanceof Error
            ? options.signal.reason
            : new Error(`waiting for ${condition.description} was aborted`),
        ),
      );
    const timer = setTimeout(
      () =>
        settle(async () => {
          reject(
            new WaitTimeoutError(condition.description, await failureDetails(condition, stores, started)),
          );
        }),
      timeout,
    );
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    for (const [name, spec] of Object.entries(condition.sources)) {
      const store = stores.get(name)!;
      observe(
        condition.client,
        spec,
        {
          onSync(objects) {
            const fresh = new Map(objects.map((o) => [keyOf(o), o]));
            for (const key of store.seen) if (!fresh.has(key)) store.deleted = true;
            store.objects = fresh;
            for (const key of fresh.keys()) store.seen.add(key);
            store.synced = true;
            evaluate();
          },
          onEvent(type, object) {
            const key = keyOf(object);
            if (type === 'DELETED') {
              store.objects.delete(key);
              if (store.seen.has(key)) store.deleted = true;
            } else {
              store.objects.set(key, { ...object, apiVersion: spec.apiVersion, kind: spec.kind });
              store.seen.add(key);
            }
            evaluate();
          },
        },
        controller.signal,
      ).catch((error: unknown) => settle(() => reject(asError(error))));
    }
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

async function failureDetails(
  condition: Condition<unknown>,
  stores: Map<string, { objects: Map<string, KubeObject> }>,
  started: number,
  focus?: KubeObject,
): Promise<WaitFailureDetails> {
  const elapsedMs = performance.now() - started;
  const { subject } = condition;
  const object = `${subject.kind} ${subject.namespace ? `${subject.namespace}/` : ''}${subject.name ?? '*'}`;
  const lastState: string[] = [];
  const described = new Set<string>();
  const describe = (o: KubeObject) => {
    const key = `${o.kind}/${keyOf(o)}`;
    if (described.has(key)) return;
    described.add(key);
    lastState.push(...describeObjectState(o));
  };
  if (focus) describe(focus);
  for (const store of stores.values()) for (const o of [...store.objects.values()].slice(0, 8)) describe(o);
  if (lastState.length === 0) lastState.push(`${object}: not seen (it does not exist)`);
  let events: string[] = [];
  const namespace = subject.namespace ?? focus?.metadata.namespace;
  if (namespace) {
    try {
      const names = new Set([subject.name, focus?.metadata.name].filter((n): n is string => Boolean(n)));
      const all = await recentEvents(condition.client, namespace, {
        limit: 200,
        signal: AbortSignal.timeout(5000),
      });
      const relevant = names.size
        ? all.filter((e) => names.has(e.object.split('/')[1] ?? '') || e.type === 'Warning')
        : all;
      events = relevant.slice(-12).map(formatEvent);
    } catch (error) {
      events = [
        `(events could not be read: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      ];
    }
  }
  return { object, elapsedMs, lastState, events };
}

function renderFailure(headline: string, details: WaitFailureDetails): string {
  const lines = [headline, '  last observed state:', ...details.lastState.map((l) => `    ${l}`)];
  lines.push(details.events.length ? '  recent events:' : '  recent events: none');
  lines.push(...details.events.map((e) => `    ${e}`));
  return lines.join('\n');
}
