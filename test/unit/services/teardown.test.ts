// `down` with Helm charts: each release is uninstalled (newest first) before the provider tears the
// cluster down, a release already gone is no error, and a failed uninstall does not keep the
// provider from tearing down but is named afterwards. A stub helm stands in for the real one.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tearDown } from '../../../src/cluster/lifecycle.ts';
import type { ClusterProvider, ProviderContext } from '../../../src/cluster/provider.ts';
import { configAt } from '../../../src/config/resolve.ts';
import { Status } from '../../../src/progress/status.ts';

let dir = '';
let helm = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'teardown-unit-'));
  helm = join(dir, 'helm');
  await writeFile(
    helm,
    `#!/bin/sh
echo "$@" >> "${dir}/calls"
case "$2" in
  gone) echo 'Error: uninstall: Release not loaded: gone: release: not found' >&2; exit 1 ;;
  stuck) echo 'Error: timed out waiting for the condition' >&2; exit 1 ;;
esac
`,
  );
  await chmod(helm, 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function setUp(releases: string[]) {
  const calls: string[] = [];
  const provider = {
    name: 'existing',
    access: () => Promise.resolve({ provider: 'existing', clusterName: 'c', kubeconfigPath: '/k' }),
    down: async () => {
      calls.push(
        `provider.down after ${(await readFile(join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').length - 1} helm calls`,
      );
    },
  } as unknown as ClusterProvider;
  const ctx = {
    config: configAt('/repo', { services: { charts: releases.map((release) => ({ release, chart: 'c' })) } }),
    root: '/repo',
    status: new Status(new PassThrough(), { interactive: false }),
    signal: new AbortController().signal,
    env: { ...process.env, INCLUSTER_HELM: helm },
    artifactsDir: join(dir, 'results'),
  } as ProviderContext;
  return { calls, provider, ctx };
}

describe('down with Helm charts', { tags: ['001-FR-086'] }, () => {
  test('uninstalls every release, newest first, then tears down; a release already gone is fine', async () => {
    await rm(join(dir, 'calls'), { force: true });
    const { calls, provider, ctx } = setUp(['db', 'api', 'gone']);
    await tearDown(provider, ctx);
    const helmCalls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
    expect(helmCalls.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      'uninstall gone',
      'uninstall api',
      'uninstall db',
    ]);
    expect(helmCalls[0]).toContain('--namespace floe-test --kubeconfig /k --wait');
    expect(calls).toEqual(['provider.down after 3 helm calls']);
  });

  test('a failed uninstall does not stop the teardown, and is named afterwards', async () => {
    await rm(join(dir, 'calls'), { force: true });
    const { calls, provider, ctx } = setUp(['stuck', 'api']);
    await expect(tearDown(provider, ctx)).rejects.toThrow(/floe-test\/stuck failed: Error: timed out/);
    expect(calls).toEqual(['provider.down after 2 helm calls']);
  });
});
