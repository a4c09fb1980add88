import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { mergeInto, mergeKubeconfig } from '../../../src/cluster/kubeconfig.ts';
import { parseDuration } from '../../../src/duration.ts';

describe('up: the admin kubeconfig is merged when the user asks', { tags: ['001-FR-001'] }, () => {
  test('entries with the same name are replaced, others kept, and the new context becomes current', () => {
    const merged = mergeInto(
      {
        clusters: [
          { name: 'prod', cluster: { server: 'https://prod' } },
          { name: 'incluster-floe-test', cluster: { server: 'https://old' } },
        ],
        contexts: [{ name: 'prod' }],
        'current-context': 'prod',
      },
      {
        clusters: [{ name: 'incluster-floe-test', cluster: { server: 'https://10.87.0.1:6443' } }],
        users: [{ name: 'incluster-admin' }],
        contexts: [{ name: 'incluster-floe-test' }],
        'current-context': 'incluster-floe-test',
      },
    );
    expect(merged.clusters).toEqual([
      { name: 'prod', cluster: { server: 'https://prod' } },
      { name: 'incluster-floe-test', cluster: { server: 'https://10.87.0.1:6443' } },
    ]);
    expect(merged.contexts?.map((c) => c.name)).toEqual(['prod', 'incluster-floe-test']);
    expect(merged['current-context']).toBe('incluster-floe-test');
  });

  test('merging writes the first file of $KUBECONFIG, creating it when absent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-kubeconfig-'));
    const admin = join(dir, 'admin.kubeconfig');
    await writeFile(
      admin,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://x"}}]\nusers: [{name: u}]\ncontexts: [{name: ctx}]\ncurrent-context: ctx\n',
    );
    const target = join(dir, 'nested', 'config');
    const written = await mergeKubeconfig(
      { provider: 'local', clusterName: 'c', kubeconfigPath: admin, context: 'ctx' },
      { KUBECONFIG: `${target}:/elsewhere` },
    );
    expect(written).toBe(target);
    const merged = parse(await readFile(target, 'utf8')) as {
      'current-context': string;
      clusters: unknown[];
    };
    expect(merged['current-context']).toBe('ctx');
    expect(merged.clusters).toHaveLength(1);
  });
});

describe('durations on the command line', { tags: ['001-FR-045'] }, () => {
  test.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['250ms', 250],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  test.each(['10', '10 minutes', '-5s', '1.5m', ''])('%j is rejected', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});
