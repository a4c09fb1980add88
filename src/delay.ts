// Waiting a while between attempts (a retry's backoff, a poll) is written once here, so every wait
// can be cut short by the caller's AbortSignal and none keeps a finished process alive by accident.

/** Options of `delay`. */
export interface DelayOptions {
  /** Let the process exit during the wait (a bound on cleanup must not prolong it). Default false. */
  unref?: boolean;
}

/**
 * Resolves after `ms`. When `signal` aborts first (or already has), rejects at once with its reason
 * (an Error; `Error('aborted')` when the reason is not one) and clears the timer.
 */
export function delay(ms: number, signal?: AbortSignal, options: DelayOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const reason = () => (signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal?.aborted) {
      reject(reason());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(reason());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (options.unref) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
