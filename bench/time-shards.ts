// Benchmark: shards balanced by time against shards split by count, on one Vitest suite whose files'
// durations are skewed (a few slow files among many quick ones, as integration suites tend to be),
// in the same session on the same cluster and image. Per round: a run split by count (Vitest's own
// --shard, the runner hidden behind `sh -c` so incluster cannot list its files), then a run balanced
// by time with the durations a previous run recorded (the first round records them). Prints each
// shard's test time, the slowest shard over the mean shard for both, and the runs' wall times.
//
//   KUBECONFIG=/var/lib/incluster/floe-test/admin.kubeconfig node bench/time-shards.ts [--rounds 2] [--shards 4]
//
// Needs the local cluster up; the runner image is the services tests' (test/fixtures/services/image).
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCommand } from '../src/process/exec.ts';
import type { RunReport } from '../src/runner/report.ts';

const repo = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rounds = option('--rounds', 2);
const shards = option('--shards', 4);

/** File durations in ms: 2 slow, 4 medium, 18 quick (37 s of tests in all). */
const FILES: [string, number][] = [
  ['slow-a', 8000],
  ['slow-b', 8000],
  ...['a', 'b', 'c', 'd'].map((x): [string, number] => [`medium-${x}`, 3000]),
  ...Array.from({ length: 18 }, (_, i): [string, number] => [
    `quick-${String(i).padStart(2, '0')}`,
    300 + (i % 6) * 100,
  ]),
];

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-bench-shards-'));
  await cp(join(repo, 'test/fixtures/services/image'), dir, { recursive: true });
  await cp(join(repo, 'testing/Dockerfile'), join(dir, 'testing/Dockerfile'));
  await mkdir(join(dir, 'suite'));
  await writeFile(
    join(dir, 'suite/vitest.config.ts'),
    "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ root: import.meta.dirname, test: { include: ['*.test.ts'], testTimeout: 60_000 } });\n",
  );
  for (const [name, ms] of FILES)
    await writeFile(
      join(dir, `suite/${name}.test.ts`),
      `import { setTimeout } from 'node:timers/promises';\nimport { test } from 'vitest';\ntest('${name}', async () => { await setTimeout(${ms}); });\n`,
    );
  await writeFile(join(dir, '.dockerignore'), 'results/\n');
  return dir;
}

/** Writes the project's config: the Vitest command as it is (by time) or hidden behind sh (by count). */
async function configure(dir: string, by: 'time' | 'count'): Promise<void> {
  const file = join(dir, 'incluster.config.yaml');
  const config = parse(await readFile(file, 'utf8')) as { runner: { command: string[]; resources: unknown } };
  const vitest = ['node', 'node_modules/vitest/vitest.mjs', 'run', '--config', 'suite/vitest.config.ts'];
  const reporters = ['--reporter=default', '--reporter=junit', '--outputFile.junit=/artifacts/junit.xml'];
  config.runner.command =
    by === 'time'
      ? [...vitest, ...reporters]
      : // The runner's path inside the script, where incluster does not look for it.
        [
          'sh',
          '-c',
          'exec node node_modules/vitest/vitest.mjs "$@"',
          'by-count',
          ...vitest.slice(2),
          ...reporters,
        ];
  config.runner.resources = {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '1', memory: '768Mi' },
  };
  await writeFile(file, stringify(config));
}

async function run(dir: string): Promise<{ report: RunReport; wallMs: number }> {
  const started = performance.now();
  const result = await runCommand(
    'node',
    [join(repo, 'src/cli/main.ts'), 'run', '--provider', 'local', '--shards', String(shards), '--json'],
    { cwd: dir, allowFailure: true, maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`run exited ${result.exitCode}:\n${result.stderr.slice(-4000)}`);
  return { report: JSON.parse(result.stdout) as RunReport, wallMs };
}

function imbalance(report: RunReport): { times: number[]; ratio: number } {
  const times = report.shards.map((shard) => shard.testDurationMs ?? 0);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { times, ratio: Math.max(...times) / mean };
}

const dir = await project();
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
try {
  // Warm-up: builds and loads the image, and records the durations for the first balanced run.
  await configure(dir, 'time');
  const warm = await run(dir);
  console.error(
    `warm-up (balanced by time, no history: ${warm.report.sharding?.unknownFiles} new files): ${s(warm.wallMs)}`,
  );
  const ratios: { count: number[]; time: number[] } = { count: [], time: [] };
  for (let round = 1; round <= rounds; round += 1) {
    for (const by of ['count', 'time'] as const) {
      await configure(dir, by);
      const { report, wallMs } = await run(dir);
      const { times, ratio } = imbalance(report);
      ratios[by].push(ratio);
      const predicted = report.shards.map((shard) =>
        shard.predictedMs === undefined ? '' : s(shard.predictedMs),
      );
      console.error(
        `round ${round} by ${by} (${report.sharding?.by}): shards ${times.map(s).join(', ')}${by === 'time' ? ` (predicted ${predicted.join(', ')})` : ''}; slowest/mean ${ratio.toFixed(2)}; run ${s(wallMs)}`,
      );
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log(
    `slowest shard / mean shard, median of ${rounds}: by count ${median(ratios.count).toFixed(2)}, by time ${median(ratios.time).toFixed(2)} (goal ≤ 1.15)`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
