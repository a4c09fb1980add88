// Events explain most failures ("Failed to pull image", "0/1 nodes are available"): timeouts, aborts
// and failure bundles show them, oldest first.
import type { CoreV1Event } from '@kubernetes/client-node';
import type { KubeClient } from './client.ts';

/** An event reduced to what a person reads. */
export interface EventSummary {
  time: string;
  type: string;
  reason: string;
  object: string;
  message: string;
  count: number;
}

/** Events of a namespace (optionally of one object), oldest first, at most `limit` of the newest. */
export async function recentEvents(
  client: KubeClient,
  namespace: string,
  options: { name?: string; kind?: string; limit?: number; signal?: AbortSignal } = {},
): Promise<EventSummary[]> {
  const selectors = [
    options.name ? `involvedObject.name=${options.name}` : undefined,
    options.kind ? `involvedObject.kind=${options.kind}` : undefined,
  ].filter(Boolean);
  const list = await client.core.listNamespacedEvent({
    namespace,
    fieldSelector: selectors.join(',') || undefined,
  });
  const events = list.items.map(summarize).sort((a, b) => a.time.localeCompare(b.time));
  return events.slice(-(options.limit ?? 1000));
}

/** `12:00:01 Warning Failed Pod/x: Failed to pull image … (×3)`. */
export function formatEvent(event: EventSummary): string {
  const count = event.count > 1 ? ` (×${event.count})` : '';
  return `${event.time} ${event.type} ${event.reason} ${event.object}: ${event.message}${count}`;
}

function summarize(event: CoreV1Event): EventSummary {
  const time =
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return {
    time: time ? new Date(time).toISOString() : '',
    type: event.type ?? '',
    reason: event.reason ?? '',
    object: `${event.involvedObject.kind ?? '?'}/${event.involvedObject.name ?? '?'}`,
    message: (event.message ?? '').trim(),
    count: event.count ?? event.series?.count ?? 1,
  };
}
