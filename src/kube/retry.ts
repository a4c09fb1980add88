// Transient API failures (throttling, a restarting API server, a reset connection) should not fail a
// test run; permanent ones (403, 404, 422) must fail at once, because retrying cannot change them.
// A create is different: a reset connection or a 5xx may come after the API server stored the
// object, and sending it again makes a second one (generateName) or a 409 for our own. A create is
// retried only when the request provably never reached the server (FR-136); callers that can tell
// their own object (a namespace with our labels) retry with the same name themselves.
import { statusOf, networkCodeOf } from './api-error.ts';
import { tlsFailureCode } from './certificate.ts';
import { ApiException } from '@kubernetes/client-node';
import { delay as pause } from '../delay.ts';

/** How hard to retry: attempts, backoff bounds, abort. */
export interface RetryOptions {
  /** Attempts in total, including the first; default 6. */
  attempts?: number;
  /** First backoff in ms; doubles each attempt; default 200. */
  baseDelayMs?: number;
  /** Upper bound of one backoff in ms; default 5000. */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log; receives the error and the delay chosen. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Source of randomness for jitter (injectable for tests). */
  random?: () => number;
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Failures that happen before the API server has read a request: refused, unresolved, never connected. */
const NEVER_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * True when the request never reached the API server, or the server refused it without acting on
 * it (429: API Priority and Fairness rejects before any handler runs): only then is a create retried.
 */
export function neverReachedServer(error: unknown): boolean {
  if (statusOf(error) !== undefined) return statusOf(error) === 429;
  const code = networkCodeOf(error);
  return code !== undefined && NEVER_SENT_CODES.has(code);
}

/** True when trying the same request again may succeed: 429, 5xx, or a dropped/refused connection. */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 429 || (status >= 500 && status <= 599);
  // A refused certificate stays refused: retrying only delays the message by seconds.
  if (tlsFailureCode(error)) return false;
  const code = networkCodeOf(error);
  if (code && TRANSIENT_NETWORK_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /socket hang up|ECONNRESET|ECONNREFUSED|other side closed|fetch failed/i.test(message);
}

/** The delay a 429/503 asks for in its Retry-After header (seconds or an HTTP date), in ms. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const headers = (error.headers ?? {}) as Record<string, string | undefined>;
  const value = headers['retry-after'] ?? headers['Retry-After'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Capped exponential backoff with full jitter: a random delay in [base·2^n / 2, base·2^n], capped. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 5000;
  const ceiling = Math.min(cap, base * 2 ** attempt);
  const random = options.random ?? Math.random;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Runs `work`, retrying transient failures with backoff; a permanent failure is thrown at once.
 * `retryable` narrows what is retried (creates: neverReachedServer).
 */
export async function withRetry<T>(
  work: () => Promise<T>,
  options: RetryOptions = {},
  retryable: (error: unknown) => boolean = isTransient,
): Promise<T> {
  const attempts = options.attempts ?? 6;
  for (let attempt = 0; ; attempt += 1) {
    options.signal?.throwIfAborted();
    try {
      return await work();
    } catch (error) {
      if (attempt + 1 >= attempts || !retryable(error) || options.signal?.aborted) throw error;
      const requested = retryAfterMs(error);
      const delay =
        requested === undefined
          ? backoffDelay(attempt, options)
          : Math.min(requested, options.maxDelayMs ?? 30_000);
      options.onRetry?.(error, attempt + 1, delay);
      await pause(delay, options.signal);
    }
  }
}

/**
 * Wraps every method of an API client object so each call goes through `withRetry`; its creates
 * (`create*`, a POST) only on failures that never reached the server.
 */
export function retrying<T extends object>(api: T, options: RetryOptions = {}): T {
  return new Proxy(api, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const retryable = String(property).startsWith('create') ? neverReachedServer : isTransient;
      return (...args: unknown[]) =>
        withRetry(
          () => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)),
          options,
          retryable,
        );
    },
  });
}
