// Waiting for the local API server ends as soon as a component it needs is crash-looping, instead
// of after the whole timeout (the real fault, etcd's port taken, is in test/lifecycle/local-down-up).
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CRASH_LOOP_EXITS, waitForApiServer } from '../../../../src/cluster/providers/local/health.ts';
import { localLayout } from '../../../../src/cluster/providers/local/layout.ts';

async function layoutWith(components: { name: string; restarts: number }[]) {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-health-'));
  const layout = {
    ...localLayout('health-test', join(dir, 'state')),
    supervisorStatus: join(dir, 'status.json'),
  };
  await mkdir(layout.pkiDir, { recursive: true }); // no certificates: the API server never answers
  const status = {
    pid: 1,
    stopping: false,
    components: components.map((c) => ({ ...c, pid: null, startedAt: 0 })),
  };
  await writeFile(layout.supervisorStatus, JSON.stringify(status));
  return layout;
}

describe('waiting for the local API server', { tags: ['001-FR-006'] }, () => {
  test('ends at once, naming the component, when etcd or the API server keeps exiting', async () => {
    const layout = await layoutWith([
      { name: 'etcd', restarts: CRASH_LOOP_EXITS },
      { name: 'kube-apiserver', restarts: 1 },
    ]);
    // A timeout past the test's own: waiting it out would fail the test.
    expect(await waitForApiServer(layout, 600_000)).toBe(
      'etcd cannot start: it exited 3 times in a row, so the API server cannot become ready',
    );
  });

  test('a component restarting fewer times, or one the API server does not need, waits out the timeout', async () => {
    const layout = await layoutWith([
      { name: 'etcd', restarts: CRASH_LOOP_EXITS - 1 },
      { name: 'kubelet', restarts: 9 },
    ]);
    expect(await waitForApiServer(layout, 1_000)).toBe('the API server did not become ready within 1 s');
  });
});
