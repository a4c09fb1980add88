// The one wait between attempts: it ends when told to, and can leave the process free to exit.
import { describe, expect, test } from 'vitest';
import { delay } from '../../src/delay.ts';

describe('delay', { tags: ['001-FR-029'] }, () => {
  test('resolves after the time given', async () => {
    const started = performance.now();
    await delay(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  test('rejects at once with the reason when the signal aborts, or had aborted', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = delay(10_000, controller.signal);
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(waiting).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(5000);
    await expect(delay(10_000, AbortSignal.abort('not an error'))).rejects.toThrow('aborted');
    await expect(delay(10_000, AbortSignal.timeout(1))).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  test('unref: a process with nothing else to do exits during the wait', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import { delay } from ${JSON.stringify(new URL('../../src/delay.ts', import.meta.url).href)}; void delay(60000, undefined, { unref: true });`;
    const started = performance.now();
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
