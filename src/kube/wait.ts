// Waiting for a condition, backed by watches (FR-021): every change is evaluated the moment it
// arrives; no sleep-polling. A wait that times out or becomes impossible explains itself: the object,
// the time waited, the last state seen and the object's recent events (FR-022, FR-023).
import { describeErrorBriefly, ExitStatus, InclusterError } from '../errors.ts';
import { formatDuration } from '../duration.ts';
import type { KubeClient } from './client.ts';
import { formatEvent, recentEvents } from './events.ts';
import type { KubeObject } from './manifests.ts';
import { describeObjectState } from './object-state.ts';
import {
  observeUntil,
  type Observation,
  type ObservedView,
  type Settled,
  type Verdict,
} from './observation.ts';
import type { WatchSpec } from './watch.ts';

/** What a condition sees: the current objects of each of its sources. */
export type ConditionView = ObservedView;

/** The verdict of one evaluation. */
export type { Verdict };

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
export async function waitFor<T>(condition: Condition<T>, options: WaitOptions = {}): Promise<T> {
  const timeout = options.timeout ?? DEFAULT_WAIT_TIMEOUT_MS;
  const started = performance.now();
  const timedOut = Symbol('timed out');
  const observation = observeUntil(condition.client, condition.sources, (view) => condition.evaluate(view), {
    signal: options.signal,
  });
  const timer = setTimeout(() => observation.stop(timedOut), timeout);
  let verdict: Settled<T>;
  try {
    verdict = await observation.settled;
  } catch (error) {
    if (error === timedOut)
      throw new WaitTimeoutError(
        condition.description,
        await failureDetails(condition, observation, started),
      );
    if (options.signal?.aborted)
      throw options.signal.reason instanceof Error
        ? options.signal.reason
        : new Error(`waiting for ${condition.description} was aborted`);
    throw asError(error);
  } finally {
    clearTimeout(timer);
  }
  if (verdict.state === 'met') return verdict.value;
  const details = await failureDetails(condition, observation, started, verdict.object);
  throw new WaitImpossibleError(condition.description, verdict.reason, verdict.message, details);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

async function failureDetails(
  condition: Condition<unknown>,
  observation: Observation<unknown>,
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
  for (const objects of observation.current().values()) for (const o of objects.slice(0, 8)) describe(o);
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
      events = [`(events could not be read: ${describeErrorBriefly(error)})`];
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
