// The list-then-watch loop the client library leaves to us: list, watch from the list's
// resourceVersion, resume from the last version seen when the stream drops (the server's timeout,
// the client's 30 s idle timeout, a reset connection), and relist on 410 Gone.
import { HttpMethod } from '@kubernetes/client-node';
import { InfrastructureError } from '../errors.ts';
import { describeKubeError, statusOf } from './api-error.ts';
import type { KubeClient } from './client.ts';
import { objectPath, resolveResource } from './discovery.ts';
import type { KubeObject } from './manifests.ts';
import { backoffDelay, isTransient } from './retry.ts';
import { delay } from '../delay.ts';

/** What to watch: a kind, optionally one namespace, one name and selectors. */
export interface WatchSpec {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Callbacks of the list-then-watch loop. */
export interface WatchHandlers {
  /** The full current set after a (re)list. */
  onSync(objects: KubeObject[]): void;
  /** One change after the list. */
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
}

interface ObjectList {
  metadata?: { resourceVersion?: string };
  items?: KubeObject[];
}

/** Seconds the server keeps one watch open; below the client's 30 s idle timeout, so ends are clean. */
const WATCH_SECONDS = 25;

/** Lists and watches `spec` until `signal` aborts; throws only on a failure that retrying cannot fix. */
export async function observe(
  client: KubeClient,
  spec: WatchSpec,
  handlers: WatchHandlers,
  signal: AbortSignal,
): Promise<void> {
  const info = await resolveResource(client, spec.apiVersion, spec.kind);
  const path = objectPath(info, spec.namespace);
  const fieldSelector =
    [spec.fieldSelector, spec.name ? `metadata.name=${spec.name}` : undefined].filter(Boolean).join(',') ||
    undefined;
  const query = { labelSelector: spec.labelSelector, fieldSelector };
  let resourceVersion: string | undefined;
  let quickFailures = 0;
  while (!signal.aborted) {
    if (resourceVersion === undefined) {
      let list: ObjectList;
      try {
        list = await client.request<ObjectList>(HttpMethod.GET, path, { query, signal });
      } catch (error) {
        if (signal.aborted) return;
        // A restarting API server refuses connections for longer than one request's retries: keep
        // listing with the same budget as a failing watch, so a wait rides out the outage.
        quickFailures += 1;
        if (!isTransient(error) || quickFailures > 12)
          throw new InfrastructureError(
            'WatchFailed',
            `listing ${spec.kind} in ${spec.namespace ?? 'all namespaces'}: ${describeKubeError(error)}`,
            {
              cause: error,
            },
          );
        await backoff(backoffDelay(quickFailures - 1, { baseDelayMs: 100, maxDelayMs: 3000 }), signal);
        continue;
      }
      const items = (list.items ?? []).map((item) => ({
        ...item,
        apiVersion: spec.apiVersion,
        kind: spec.kind,
      }));
      resourceVersion = list.metadata?.resourceVersion ?? '0';
      handlers.onSync(items);
    }
    const started = performance.now();
    const outcome = await watchOnce(
      client,
      path,
      { ...query, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS },
      signal,
      (type, object) => {
        const version = object.metadata?.resourceVersion;
        if (typeof version === 'string') resourceVersion = version;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') handlers.onEvent(type, object);
      },
    );
    if (signal.aborted) return;
    if (outcome.gone || statusOf(outcome.error) === 410) {
      resourceVersion = undefined; // our version is too old: start over from a fresh list
      continue;
    }
    const error = outcome.error;
    const ranLong = performance.now() - started > 2000;
    if (error && !isTransient(error) && !isTimeout(error) && statusOf(error) !== undefined)
      throw new InfrastructureError(
        'WatchFailed',
        `watching ${spec.kind} in ${spec.namespace ?? 'all namespaces'}: ${describeKubeError(error)}`,
        {
          cause: error,
        },
      );
    quickFailures = ranLong ? 0 : quickFailures + 1;
    if (quickFailures > 0) {
      if (quickFailures > 12)
        throw new InfrastructureError(
          'WatchFailed',
          `watching ${spec.kind}: the watch keeps failing (${error ? describeKubeError(error) : 'closed at once'})`,
          {
            cause: error,
          },
        );
      await backoff(backoffDelay(quickFailures - 1, { baseDelayMs: 100, maxDelayMs: 3000 }), signal);
    }
  }
}

/** One watch request: resolves when it ends, saying whether the server answered 410 Gone. */
function watchOnce(
  client: KubeClient,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  signal: AbortSignal,
  handle: (type: string, object: KubeObject) => void,
): Promise<{ gone: boolean; error: unknown }> {
  return new Promise((resolve) => {
    let controller: AbortController | undefined;
    let finished = false;
    let gone = false;
    const finish = (error: unknown) => {
      if (finished) return;
      finished = true;
      signal.removeEventListener('abort', onAbort);
      controller?.abort();
      resolve({ gone, error });
    };
    const onAbort = () => finish(null);
    signal.addEventListener('abort', onAbort, { once: true });
    client.watch
      .watch(
        path,
        query,
        (type: string, object: KubeObject & { code?: number }) => {
          if (finished) return;
          if (type === 'ERROR') {
            gone = object?.code === 410;
            finish(
              gone
                ? null
                : Object.assign(new Error(`watch error: ${JSON.stringify(object)}`), {
                    statusCode: object?.code,
                  }),
            );
            return;
          }
          handle(type, object);
        },
        (error: unknown) => finish(error),
      )
      .then(
        (c) => {
          controller = c;
          if (finished) c.abort();
        },
        (error: unknown) => finish(error),
      );
  });
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** A backoff pause that ends early, without an error, when the watch is stopped (the loop then exits). */
function backoff(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, signal).catch(() => undefined);
}
