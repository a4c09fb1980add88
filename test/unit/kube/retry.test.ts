import { ApiException } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import {
  backoffDelay,
  isTransient,
  neverReachedServer,
  retryAfterMs,
  retrying,
  withRetry,
} from '../../../src/kube/retry.ts';

const api = (code: number, headers: Record<string, string> = {}) =>
  new ApiException(code, 'x', { reason: 'R', message: 'm' }, headers);
const network = (code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

describe('retrying transient API errors', { tags: ['001-FR-029'] }, () => {
  test('429, 5xx and dropped or refused connections are transient', () => {
    for (const error of [
      api(429),
      api(500),
      api(503),
      network('ECONNRESET'),
      network('ECONNREFUSED'),
      new Error('socket hang up'),
    ])
      expect(isTransient(error), String(error)).toBe(true);
  });

  test('a 4xx that will not change is not retried', async () => {
    for (const code of [400, 401, 403, 404, 409, 422]) {
      let calls = 0;
      await expect(
        withRetry(() => {
          calls += 1;
          return Promise.reject(api(code));
        }),
      ).rejects.toMatchObject({ code });
      expect(calls, `status ${code}`).toBe(1);
    }
  });

  test('retries until success, within the attempt budget', async () => {
    let calls = 0;
    const retries: number[] = [];
    const value = await withRetry(
      () => {
        calls += 1;
        if (calls < 3) return Promise.reject(calls === 1 ? api(503) : network('ECONNRESET'));
        return Promise.resolve('ok');
      },
      { baseDelayMs: 1, maxDelayMs: 2, onRetry: (_e, attempt) => retries.push(attempt) },
    );
    expect(value).toBe('ok');
    expect(retries).toEqual([1, 2]);
    let always = 0;
    await expect(
      withRetry(
        () => {
          always += 1;
          return Promise.reject(api(500));
        },
        { attempts: 4, baseDelayMs: 1, maxDelayMs: 1 },
      ),
    ).rejects.toMatchObject({ code: 500 });
    expect(always).toBe(4);
  });

  test('a 429 waits as long as Retry-After asks (seconds or HTTP date)', async () => {
    expect(retryAfterMs(api(429, { 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(api(429, { 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    const delays: number[] = [];
    let calls = 0;
    await withRetry(
      () => {
        calls += 1;
        return calls === 1 ? Promise.reject(api(429, { 'retry-after': '0.05' })) : Promise.resolve();
      },
      { onRetry: (_e, _a, delay) => delays.push(delay) },
    );
    expect(delays).toEqual([50]);
  });

  test('backoff grows exponentially, is capped, and is jittered', () => {
    const low = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 };
    const high = { ...low, random: () => 1 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, high))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2].map((n) => backoffDelay(n, low))).toEqual([50, 100, 200]);
  });

  test('an abort stops the backoff at once', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = withRetry(() => Promise.reject(api(503)), {
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(pending).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('creates are never retried blindly', { tags: ['001-FR-136'] }, () => {
  test('only a failure before the server read the request, or a 429, counts as never reached', () => {
    for (const error of [
      network('ECONNREFUSED'),
      network('UND_ERR_CONNECT_TIMEOUT'),
      network('EAI_AGAIN'),
      api(429),
    ])
      expect(neverReachedServer(error), String(error)).toBe(true);
    // The server may have stored the object before any of these.
    for (const error of [
      network('ECONNRESET'),
      network('UND_ERR_SOCKET'),
      new Error('socket hang up'),
      api(500),
      api(503),
      api(504),
    ])
      expect(neverReachedServer(error), String(error)).toBe(false);
  });

  test('a client method named create* is retried only when the request never reached the server', async () => {
    const scripted = (failures: Error[]) => {
      const calls = { count: 0 };
      const call = () => {
        calls.count += 1;
        const failure = failures[calls.count - 1];
        return failure ? Promise.reject(failure) : Promise.resolve('ok');
      };
      return {
        calls,
        api: retrying({ createNamespace: call, readNamespace: call }, { baseDelayMs: 1, maxDelayMs: 1 }),
      };
    };
    const reset = scripted([network('ECONNRESET')]);
    await expect(reset.api.createNamespace()).rejects.toMatchObject({ cause: { code: 'ECONNRESET' } });
    expect(reset.calls.count, 'a create whose connection was reset is not sent again').toBe(1);
    const refused = scripted([network('ECONNREFUSED')]);
    await expect(refused.api.createNamespace()).resolves.toBe('ok');
    expect(refused.calls.count, 'a refused create is sent again').toBe(2);
    const read = scripted([network('ECONNRESET')]);
    await expect(read.api.readNamespace()).resolves.toBe('ok');
    expect(read.calls.count, 'a read is retried after a reset').toBe(2);
  });
});
