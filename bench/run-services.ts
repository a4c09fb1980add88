// Benchmark: what services of its own cost a run. The runner fixture suite (test/fixtures/runner/suite,
// about 1 s of tests) with the built-in PostgreSQL, run alternately with `services.isolation: cluster`
// (the shared instance `up` deployed) and `run` (its own instance in its namespace, fresh credentials,
// waited until ready), in the same rounds on the same cluster and image. Prints each run's wall time,
// the services phase alone, and the per-run cost (median difference) and ratio.
//
//   KUBECONFIG=/var/lib/incluster/floe-test/admin.kubeconfig node bench/run-services.ts [--rounds 3]
//
// Needs the local cluster up with its PostgreSQL (what `incluster up` deploys by default).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../src/process/exec.ts';
import type { RunReport } from '../src/runner/report.ts';

const repo = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 3;

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-bench-services-'));
  await cp(join(repo, 'test/fixtures/runner/suite'), dir, { recursive: true });
  await rm(join(dir, 'test-results'), { recursive: true, force: true });
  await writeFile(join(dir, '.dockerignore'), 'test-results/\n');
  return dir;
}

async function configure(dir: string, isolation: 'cluster' | 'run'): Promise<void> {
  const file = join(dir, 'incluster.config.yaml');
  const text = (await readFile(file, 'utf8'))
    .replace(/dockerfile: .*/, `dockerfile: ${join(repo, 'testing/Dockerfile')}`)
    .replace(/\nservices:[\s\S]*$/, '');
  await writeFile(
    file,
    `${text.trimEnd()}\nservices:\n  isolation: ${isolation}\n  manifests: [${join(repo, 'testing/k8s/services')}]\n`,
  );
}

async function run(dir: string): Promise<{ wallMs: number; servicesMs: number; report: RunReport }> {
  const started = performance.now();
  const result = await runCommand(
    'node',
    [join(repo, 'src/cli/main.ts'), 'run', '--provider', 'local', '--json', '--', '--mode=pass'],
    { cwd: dir, allowFailure: true, maxBuffer: 16 * 1024 * 1024 },
  );
  const wallMs = performance.now() - started;
  if (result.exitCode !== 0) throw new Error(`run exited ${result.exitCode}:\n${result.stderr.slice(-3000)}`);
  const report = JSON.parse(result.stdout) as RunReport;
  const servicesMs = report.phases
    .filter((phase) => phase.name.startsWith('Deploying') || phase.name.startsWith('Installing'))
    .reduce((sum, phase) => sum + phase.ms, 0);
  return { wallMs, servicesMs, report };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const dir = await project();
try {
  await configure(dir, 'cluster');
  await run(dir); // warm-up: the image built and loaded once
  const times: Record<'cluster' | 'run', number[]> = { cluster: [], run: [] };
  const services: number[] = [];
  for (let round = 1; round <= rounds; round += 1)
    for (const isolation of ['cluster', 'run'] as const) {
      await configure(dir, isolation);
      const { wallMs, servicesMs } = await run(dir);
      times[isolation].push(wallMs);
      if (isolation === 'run') services.push(servicesMs);
      console.error(
        `round ${round}, isolation ${isolation}: ${s(wallMs)}${isolation === 'run' ? ` (its own PostgreSQL deployed and ready in ${s(servicesMs)})` : ''}`,
      );
    }
  const cost = times.run.map((ms, i) => ms - times.cluster[i]!);
  console.log(
    `run with shared services ${s(median(times.cluster))}, with its own ${s(median(times.run))} = ${(median(times.run) / median(times.cluster)).toFixed(2)}x; per-run cost ${s(median(cost))} (services phase ${s(median(services))}), medians of ${rounds}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
