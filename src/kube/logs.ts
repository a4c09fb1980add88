// Container logs: a tail for failure bundles, and a follow that survives the API server closing the
// stream early (it does, e.g. on kubelet restarts or idle timeouts) by resuming from the last
// timestamp it saw, without repeating lines.
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { Log } from '@kubernetes/client-node';
import { InfrastructureError } from '../errors.ts';
import { describeKubeError, isNotFound, statusOf } from './api-error.ts';
import type { KubeClient } from './client.ts';
import { match } from './conditions.ts';
import type { KubeObject } from './manifests.ts';
import { containerStatusesOf } from './object-state.ts';
import { waitFor } from './wait.ts';

/** Which log to read, and how much of it. */
export interface ReadLogsOptions {
  container?: string;
  tailLines?: number;
  /** The previous (crashed) instance's log. */
  previous?: boolean;
  limitBytes?: number;
}

/** The log of a container as text (the last `tailLines` lines when given). */
export async function readLogs(
  client: KubeClient,
  namespace: string,
  pod: string,
  options: ReadLogsOptions = {},
): Promise<string> {
  try {
    return await client.core.readNamespacedPodLog({
      namespace,
      name: pod,
      container: options.container,
      tailLines: options.tailLines,
      previous: options.previous,
      limitBytes: options.limitBytes,
    });
  } catch (error) {
    throw new InfrastructureError(
      'LogsUnavailable',
      `logs of ${namespace}/${pod}${options.container ? `/${options.container}` : ''}: ${describeKubeError(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Which container to follow and where its lines go. */
export interface StreamLogsOptions {
  container: string;
  /** Called with each line as it arrives (without the timestamp). */
  onLine: (line: string) => void;
  /** Start with the last N lines instead of the whole log. */
  tailLines?: number;
  signal?: AbortSignal;
  /** How long to wait for the container to start; default 5 min. */
  startTimeoutMs?: number;
}

/** Follows a container's log until the container terminates, the pod is gone, or `signal` aborts. */
export async function streamLogs(
  client: KubeClient,
  namespace: string,
  pod: string,
  options: StreamLogsOptions,
): Promise<void> {
  const log = new Log(client.config);
  let lastTime: string | undefined;
  let seenAtLastTime = new Set<string>();
  let first = true;
  while (!options.signal?.aborted) {
    // The log endpoint answers 400 until the container has started: wait for that on a watch.
    const started = await containerStarted(client, namespace, pod, options);
    if (!started) return;
    const sink = new PassThrough();
    const lines = createInterface({ input: sink, crlfDelay: Infinity });
    const done = new Promise<void>((resolve) => lines.on('close', resolve));
    lines.on('line', (raw: string) => {
      const space = raw.indexOf(' ');
      const time = space > 0 ? raw.slice(0, space) : '';
      const line = space > 0 ? raw.slice(space + 1) : raw;
      if (lastTime !== undefined && time < lastTime) return; // already delivered before the resume
      if (time === lastTime && seenAtLastTime.has(line)) return;
      if (time !== lastTime) seenAtLastTime = new Set();
      lastTime = time;
      seenAtLastTime.add(line);
      options.onLine(line);
    });
    let controller: AbortController;
    try {
      controller = await log.log(namespace, pod, options.container, sink, {
        follow: true,
        timestamps: true,
        tailLines: first ? options.tailLines : undefined,
        // Second precision: the lines of that second already delivered are skipped above.
        sinceTime: lastTime ? `${lastTime.slice(0, 19)}Z` : undefined,
      });
    } catch (error) {
      sink.end();
      if (isNotFound(error)) return;
      if (statusOf(error) === 400) continue; // restarted between the check and the request
      throw new InfrastructureError(
        'LogsUnavailable',
        `following logs of ${namespace}/${pod}/${options.container}: ${describeKubeError(error)}`,
        { cause: error },
      );
    }
    first = false;
    const onAbort = () => {
      controller.abort();
      sink.end();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    await done;
    options.signal?.removeEventListener('abort', onAbort);
    if (await containerFinished(client, namespace, pod, options.container)) return;
  }
}

/** True once the container runs or has run; false when the pod is gone or the wait is aborted. */
async function containerStarted(
  client: KubeClient,
  namespace: string,
  pod: string,
  options: StreamLogsOptions,
): Promise<boolean> {
  try {
    await waitFor(
      match<KubeObject>(
        client,
        'Pod',
        namespace,
        pod,
        (object) => {
          const status = containerStatusesOf(object).find((c) => c.name === options.container);
          return Boolean(
            status?.state?.running || status?.state?.terminated || status?.lastState?.terminated,
          );
        },
        `container ${options.container} of Pod ${namespace}/${pod} to start`,
      ),
      { timeout: options.startTimeoutMs ?? 300_000, signal: options.signal },
    );
    return true;
  } catch (error) {
    if (options.signal?.aborted) return false;
    if ((error as { reason?: string }).reason === 'Deleted') return false;
    throw error;
  }
}

async function containerFinished(
  client: KubeClient,
  namespace: string,
  pod: string,
  container: string,
): Promise<boolean> {
  try {
    const object = await client.core.readNamespacedPod({ namespace, name: pod });
    const status = [
      ...(object.status?.initContainerStatuses ?? []),
      ...(object.status?.containerStatuses ?? []),
    ].find((c) => c.name === container);
    const phase = object.status?.phase;
    return (
      phase === 'Succeeded' ||
      phase === 'Failed' ||
      Boolean(status?.state?.terminated && object.spec?.restartPolicy === 'Never')
    );
  } catch (error) {
    if (isNotFound(error)) return true;
    throw error;
  }
}
