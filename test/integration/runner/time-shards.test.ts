// Shards balanced by time on the real cluster: a Vitest project of five files whose tests take from
// 0.2 s to 4 s (test/fixtures/services/shards), run with --shards 2 and the durations of a "previous run" in
// a --timings file, as a CI cache would restore it. The slow file gets a shard of its own, each pod
// runs exactly the files it was given, the report shows each shard's predicted and actual time, and
// the file then holds the durations this run measured. The project is the services tests' own (the
// same build context, so the same runner image), with the shards' Vitest config.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { allProviderFactories } from '../../../src/cluster/select.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { Status } from '../../../src/progress/status.ts';
import { runSuite } from '../../../src/runner/run.ts';
import { removeProject, servicesProject } from '../services/support.ts';

const SHARDS_DIR = 'test/fixtures/services/shards';
const kubeconfig = process.env.KUBECONFIG ?? '';
const kube = createKubeClient({ kubeconfig });
const cleanUp: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanUp) await step().catch(() => undefined);
});

/**
 * The services tests' project (the same build context, so the same image) running the shards
 * project's Vitest config instead of the services'.
 */
async function shardsProject(): Promise<string> {
  const dir = await servicesProject((config) => {
    const runner = config.runner as { command: string[] };
    runner.command = runner.command.map((arg) =>
      arg.endsWith('vitest.config.ts') ? `${SHARDS_DIR}/vitest.config.ts` : arg,
    );
  });
  cleanUp.push(() => removeProject(dir));
  return dir;
}

describe('shards balanced by time', () => {
  test(
    'the recorded durations decide each shard’s files; the report shows predicted and actual time',
    { tags: ['001-FR-184', '001-FR-185'], timeout: 600_000 },
    async () => {
      const dir = await shardsProject();
      const file = (name: string) => `${SHARDS_DIR}/${name}.fixture.ts`;
      const timings = join(dir, 'ci-cache/timings.json');
      const previous = { slow: 4000, medium: 2000, 'quick-a': 200, 'quick-b': 200, 'quick-c': 200 };
      await mkdir(join(dir, 'ci-cache'));
      await writeFile(
        timings,
        JSON.stringify({
          schemaVersion: 1,
          kind: 'incluster-timings',
          runId: 'before',
          updatedAt: new Date().toISOString(),
          files: Object.fromEntries(Object.entries(previous).map(([name, ms]) => [file(name), ms])),
        }),
      );
      const { config, root } = await loadConfig({ cwd: dir });
      const lines: string[] = [];
      const result = await runSuite({
        config,
        root,
        provider: await allProviderFactories.local(),
        access: { provider: 'local', clusterName: 'floe-test', kubeconfigPath: kubeconfig },
        status: new Status(new PassThrough(), { interactive: false }),
        onLog: (line) => lines.push(line),
        env: process.env,
        signal: new AbortController().signal,
        shards: 2,
        timingsFile: timings,
      });
      cleanUp.push(() => kube.core.deleteNamespace({ name: result.report.namespace }));
      expect(result.exitStatus, `${result.report.message}\n${lines.join('\n')}`).toBe(0);
      const { report } = result;
      expect(report.sharding).toEqual({ by: 'time', timings, unknownFiles: 0 });
      expect(report.shards.map((shard) => shard.files)).toEqual([
        [file('slow')],
        [file('medium'), file('quick-a'), file('quick-b'), file('quick-c')],
      ]);
      expect(report.shards.map((shard) => shard.predictedMs)).toEqual([4000, 2600]);
      for (const shard of report.shards) expect(shard.testDurationMs).toBeGreaterThan(0);
      // Each pod ran exactly its files: five tests in all, the slow one alone in shard 0.
      expect(result.junit?.counts).toMatchObject({ tests: 5, failures: 0 });
      const shard0 = await readFile(join(result.dir, 'shard-0/junit.xml'), 'utf8');
      expect(shard0).toContain('slow takes 4000 ms');
      expect(shard0).not.toContain('quick-a');
      // What this run measured replaced the cached durations.
      const kept = JSON.parse(await readFile(timings, 'utf8')) as {
        runId: string;
        files: Record<string, number>;
      };
      expect(kept.runId).toBe(report.runId);
      expect(kept.files[file('slow')]).toBeGreaterThanOrEqual(4000);
      expect(kept.files[file('quick-c')]).toBeGreaterThanOrEqual(200);
      expect(kept.files[file('quick-c')]).toBeLessThan(2000);
    },
  );
});
