// Failure logs: one directory rule for every provider, and an export that never hides the step's
// own error and still runs after an interrupt.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { exportFailureLogs, failureLogsDir } from '../../../src/cluster/failure-logs.ts';
import type { ProviderContext } from '../../../src/cluster/provider.ts';
import { PROVIDER_NAMES } from '../../../src/provider-names.ts';
import { Status } from '../../../src/progress/status.ts';

async function context(signal = new AbortController().signal): Promise<ProviderContext> {
  const root = await mkdtemp(join(tmpdir(), 'incluster-failure-logs-'));
  return {
    config: configSchema.parse({}),
    root,
    status: new Status(new PassThrough(), { interactive: false }),
    env: {},
    signal,
    artifactsDir: join(root, 'test-results'),
  };
}

describe('failure logs', { tags: ['001-FR-006'] }, () => {
  test('go to <artifacts>/<provider>-logs for every provider', () => {
    for (const name of PROVIDER_NAMES)
      expect(failureLogsDir('/p/test-results', name)).toBe(`/p/test-results/${name}-logs`);
  });

  test('are written by the provider into that directory, even after an interrupt', async () => {
    const interrupted = new AbortController();
    interrupted.abort();
    const ctx = await context(interrupted.signal);
    const logs = await exportFailureLogs(
      {
        name: 'kind',
        exportLogs: async (exportCtx, dir) => {
          expect(exportCtx.signal.aborted).toBe(false);
          await mkdir(dir, { recursive: true });
          await writeFile(join(dir, 'kubelet.log'), 'started\n');
        },
      },
      ctx,
    );
    expect(logs).toEqual({ ok: true, dir: join(ctx.artifactsDir, 'kind-logs') });
    expect(await readFile(join(logs.dir, 'kubelet.log'), 'utf8')).toBe('started\n');
  });

  test('a failed export is reported, never thrown', async () => {
    const ctx = await context();
    const logs = await exportFailureLogs(
      { name: 'existing', exportLogs: () => Promise.reject(new Error('cluster unreachable')) },
      ctx,
    );
    expect(logs).toEqual({
      ok: false,
      dir: join(ctx.artifactsDir, 'existing-logs'),
      error: 'cluster unreachable',
    });
  });
});
