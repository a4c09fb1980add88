import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { mergeInto, mergeKubeconfig } from '../../../src/cluster/kubeconfig.ts';
import { parseDuration } from '../../../src/duration.ts';
import { runCommand } from '../../../src/process/exec.ts';

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

describe('up --merge is safe beside other writers', { tags: ['001-FR-137'] }, () => {
  const MODULE = join(import.meta.dirname, '../../../src/cluster/kubeconfig.ts');
  /** A Node process that merges `count` clusters of its own into KUBECONFIG, one after the other. */
  const merger = (dir: string, name: string, count: number) => `
    import { writeFileSync } from 'node:fs';
    import { mergeKubeconfig } from ${JSON.stringify(MODULE)};
    for (let i = 0; i < ${count}; i += 1) {
      const id = '${name}-' + i;
      const file = ${JSON.stringify(dir)} + '/' + id + '.kubeconfig';
      writeFileSync(file, 'apiVersion: v1\\nkind: Config\\nclusters: [{name: ' + id + ', cluster: {server: "https://' + id + '"}}]\\nusers: [{name: ' + id + '}]\\ncontexts: [{name: ' + id + ', context: {cluster: ' + id + ', user: ' + id + '}}]\\ncurrent-context: ' + id + '\\n');
      await mergeKubeconfig({ provider: 'local', clusterName: id, kubeconfigPath: file }, process.env);
    }
  `;

  test('merges from several processes at once lose no entry, and no lock or temporary file is left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-kubeconfig-'));
    const target = join(dir, 'config');
    await writeFile(
      target,
      'apiVersion: v1\nkind: Config\nclusters: [{name: mine, cluster: {server: "https://mine"}}]\ncontexts: [{name: mine}]\ncurrent-context: mine\n',
      { mode: 0o600 },
    );
    const processes = ['a', 'b', 'c', 'd', 'e', 'f'];
    const results = await Promise.all(
      processes.map((name) =>
        runCommand(process.execPath, ['--input-type=module', '-e', merger(dir, name, 4)], {
          env: { ...process.env, KUBECONFIG: target },
        }),
      ),
    );
    expect(results.map((r) => r.exitCode)).toEqual(processes.map(() => 0));
    const merged = parse(await readFile(target, 'utf8')) as {
      clusters: { name: string }[];
      contexts: { name: string }[];
    };
    const expected = ['mine', ...processes.flatMap((name) => [0, 1, 2, 3].map((i) => `${name}-${i}`))].sort();
    expect(merged.clusters.map((c) => c.name).sort()).toEqual(expected);
    expect(merged.contexts.map((c) => c.name).sort()).toEqual(expected);
    expect((await readdir(dir)).filter((name) => /\.lock$|\.tmp$/.test(name))).toEqual([]);
    expect((await stat(target)).mode & 0o777).toBe(0o600);
  });

  test('a lock another program holds is waited for, and taken once it goes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-kubeconfig-'));
    const target = join(dir, 'config');
    await writeFile(`${target}.lock`, '');
    const admin = join(dir, 'admin.kubeconfig');
    await writeFile(
      admin,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c}]\ncontexts: [{name: ctx}]\ncurrent-context: ctx\n',
    );
    let done = false;
    const merging = mergeKubeconfig(
      { provider: 'local', clusterName: 'c', kubeconfigPath: admin },
      { KUBECONFIG: target },
    ).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(done, 'merged while kubectl held the lock').toBe(false);
    await rm(`${target}.lock`);
    await merging;
    expect(
      (parse(await readFile(target, 'utf8')) as { contexts: { name: string }[] }).contexts.map((c) => c.name),
    ).toEqual(['ctx']);
  });
});
