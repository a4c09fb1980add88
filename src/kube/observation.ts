// The one watch engine: list then watch each source, keep what is currently seen, judge it on every
// change (once every source has listed), look again when a judgement is time-based, and settle
// once. `waitFor` adds a timeout and explaining errors on top; the runner's Job supervisor judges
// its shards with it. Nothing here sleeps or polls: a judgement runs when an event arrives, or at
// the one moment it asked to be looked at again.
import type { KubeObject } from './manifests.ts';
import type { KubeClient } from './client.ts';
import { observe, type WatchSpec } from './watch.ts';

/** What a judgement sees: the current objects of each source. */
export interface ObservedView {
  /** Current objects of a source (empty before the first list). */
  objects(source: string): KubeObject[];
  /** The single object of a source watched by name, if it exists. */
  object(source: string): KubeObject | undefined;
  /** True when an object of the source was seen and then deleted while watching. */
  deletedAfterSeen(source: string): boolean;
  /** The last state seen of each object of the source that was deleted while watching. */
  deleted(source: string): KubeObject[];
  /** Milliseconds since the observation started. */
  elapsedMs: number;
  /** Wall-clock now (ms since epoch). */
  now: number;
}

/** The verdict of one judgement. */
export type Verdict<T> =
  | { state: 'met'; value: T }
  | { state: 'pending'; detail?: string; recheckInMs?: number }
  | { state: 'impossible'; reason: string; message: string; object?: KubeObject };

/** A verdict that ends an observation. */
export type Settled<T> = Exclude<Verdict<T>, { state: 'pending' }>;

/** A running observation. */
export interface Observation<T> {
  /** The first verdict that is not pending; rejects when a watch fails for good, or on stop/abort. */
  readonly settled: Promise<Settled<T>>;
  /** What each source currently shows (for failure messages). */
  current(): Map<string, KubeObject[]>;
  /** Ends every watch; `settled` rejects with `reason` unless it already settled. */
  stop(reason: unknown): void;
}

interface Store {
  spec: WatchSpec;
  objects: Map<string, KubeObject>;
  synced: boolean;
  seen: Set<string>;
  deleted: Map<string, KubeObject>;
}

/** Starts watching `sources` and judging them with `judge` until a verdict is not pending. */
export function observeUntil<T>(
  client: KubeClient,
  sources: Readonly<Record<string, WatchSpec>>,
  judge: (view: ObservedView) => Verdict<T>,
  options: { signal?: AbortSignal } = {},
): Observation<T> {
  const started = performance.now();
  const controller = new AbortController();
  const stores = new Map<string, Store>(
    Object.entries(sources).map(([name, spec]) => [
      name,
      { spec, objects: new Map(), synced: false, seen: new Set(), deleted: new Map() },
    ]),
  );
  const view: ObservedView = {
    objects: (source) => [...(stores.get(source)?.objects.values() ?? [])],
    object: (source) => stores.get(source)?.objects.values().next().value,
    deletedAfterSeen: (source) => (stores.get(source)?.deleted.size ?? 0) > 0,
    deleted: (source) => [...(stores.get(source)?.deleted.values() ?? [])],
    get elapsedMs() {
      return performance.now() - started;
    },
    get now() {
      return Date.now();
    },
  };
  let settled = false;
  let recheck: NodeJS.Timeout | undefined;
  let resolveSettled!: (verdict: Settled<T>) => void;
  let rejectSettled!: (error: unknown) => void;
  const promise = new Promise<Settled<T>>((resolve, reject) => {
    resolveSettled = resolve;
    rejectSettled = reject;
  });
  const finish = (outcome: () => void) => {
    if (settled) return;
    settled = true;
    clearTimeout(recheck);
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort();
    outcome();
  };
  const stop = (reason: unknown) => finish(() => rejectSettled(reason));
  const onAbort = () =>
    stop(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));

  const evaluate = () => {
    if (settled || [...stores.values()].some((store) => !store.synced)) return;
    let verdict: Verdict<T>;
    try {
      verdict = judge(view);
    } catch (error) {
      stop(error);
      return;
    }
    if (verdict.state !== 'pending') {
      finish(() => resolveSettled(verdict));
      return;
    }
    if (verdict.recheckInMs !== undefined) {
      // A time-based verdict (e.g. unschedulable until its grace ends) is judged once more then.
      clearTimeout(recheck);
      recheck = setTimeout(evaluate, Math.max(10, verdict.recheckInMs));
    }
  };

  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  for (const store of stores.values())
    observe(client, store.spec, handlersFor(store, evaluate), controller.signal).catch(stop);

  return {
    settled: promise,
    current: () => new Map([...stores].map(([name, store]) => [name, [...store.objects.values()]])),
    stop,
  };
}

function handlersFor(store: Store, evaluate: () => void) {
  const { apiVersion, kind } = store.spec;
  return {
    onSync(objects: KubeObject[]) {
      const fresh = new Map(objects.map((object) => [keyOf(object), object]));
      for (const key of store.seen) {
        const last = store.objects.get(key);
        if (!fresh.has(key) && last) store.deleted.set(key, last);
      }
      store.objects = fresh;
      for (const key of fresh.keys()) store.seen.add(key);
      store.synced = true;
      evaluate();
    },
    onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject) {
      const key = keyOf(object);
      const typed = { ...object, apiVersion, kind };
      if (type === 'DELETED') {
        store.objects.delete(key);
        if (store.seen.has(key)) store.deleted.set(key, typed);
      } else {
        store.objects.set(key, typed);
        store.seen.add(key);
      }
      evaluate();
    },
  };
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}
