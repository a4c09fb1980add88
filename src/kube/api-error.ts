// Kubernetes API failures in words a person can act on. ApiException's own message dumps the body
// and headers; we keep its status, reason and message and drop the rest.
import { ApiException } from '@kubernetes/client-node';

/** The HTTP status of a Kubernetes API error (ApiException or a watch error), or undefined. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const candidate = error as { code?: unknown; statusCode?: unknown } | null;
  if (typeof candidate?.statusCode === 'number') return candidate.statusCode;
  if (candidate !== null && typeof candidate === 'object' && typeof candidate.code === 'number')
    return candidate.code;
  return undefined;
}

/** The `reason` of the Status body the API server sent (e.g. `NotFound`, `AlreadyExists`). */
export function reasonOf(error: unknown): string | undefined {
  const body = bodyOf(error);
  return typeof body?.reason === 'string' ? body.reason : undefined;
}

/** True for a 404 from the API server. */
export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** True for a 409 AlreadyExists (or conflict) from the API server. */
export function isConflict(error: unknown): boolean {
  return statusOf(error) === 409;
}

/** One line: `404 NotFound: pods "x" not found`, or the network failure's code and message. */
export function describeKubeError(error: unknown): string {
  const status = statusOf(error);
  if (status !== undefined) {
    const body = bodyOf(error);
    const message = typeof body?.message === 'string' ? body.message : httpText(error);
    const reason = typeof body?.reason === 'string' ? ` ${body.reason}` : '';
    return `${status}${reason}: ${message}`;
  }
  const code = networkCodeOf(error);
  const message = messageOf(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/**
 * An error's message. A refused WebSocket upgrade (exec, attach, port-forward) rejects with the
 * socket's ErrorEvent, not an Error; its message is what the server answered.
 */
function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const event = error as { message?: unknown; error?: unknown } | null;
  if (typeof event?.message === 'string' && event.message) return event.message;
  if (event?.error instanceof Error) return event.error.message;
  return String(error);
}

/** The errno-style code of a network failure (`ECONNREFUSED`, `ECONNRESET`), looking through causes. */
export function networkCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function bodyOf(error: unknown): { reason?: unknown; message?: unknown } | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as { reason?: unknown; message?: unknown };
    } catch {
      return { message: body };
    }
  }
  return body !== null && typeof body === 'object' ? body : undefined;
}

function httpText(error: unknown): string {
  if (error instanceof ApiException) {
    // "HTTP-Code: 404\nMessage: Unsuccessful HTTP Request\nBody: …": keep the Message line only.
    const line = /^Message: (.*)$/m.exec(error.message);
    return line?.[1] ?? 'request failed';
  }
  return error instanceof Error ? error.message : String(error);
}
