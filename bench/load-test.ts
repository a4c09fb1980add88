// Load test: many runs at once on one cluster, each with its own services and several shards, against
// one run alone on the same cluster in the same session. A Vitest suite of six files that talk to
// PostgreSQL (one of them cancels every other backend's query, as node-postgres's own suite does,
// which fails runs that share a PostgreSQL); `services.isolation: run`, `--shards 3`, the default
// `auto` quota. Prints the wall time of one run alone and of all at once, each run's overhead (its
// wall time beyond its slowest shard's tests), the API server's request rate and requests per run
// (apiserver_request_total from /metrics, summed over its series), whether every run passed with
// the same test results, and whether any run namespace was left behind.
//
//   node bench/load-test.ts [--runs 8] [--shards 3] [--provider kind|local]     (as root)
//
// kind (the default): the three-node offline kind cluster of testing/k8s/kind-config-multinode.yaml,
// brought up for the bench and taken down after it. local: the running local cluster (one node).
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpMethod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { cacheRoot } from '../src/cluster/cache.ts';
import { kindBinDir } from '../src/cluster/providers/kind/offline.ts';
import { createKubeClient, type KubeClient } from '../src/kube/client.ts';
import { runCommand } from '../src/process/exec.ts';
import type { RunReport } from '../src/runner/report.ts';

const repo = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const runs = Number(option('--runs', '8'));
const shards = Number(option('--shards', '3'));
const provider = option('--provider', 'kind') as 'kind' | 'local';
const clusterName = provider === 'kind' ? 'incluster-load' : 'floe-test';
const env = { ...process.env, PATH: `${kindBinDir(cacheRoot(process.env))}:${process.env.PATH}` };

/** Six test files; `cancel` fails when another run's backends share its PostgreSQL. */
const TESTS: Record<string, string> = {
  cancel: `test('cancels its own long query, and only that', async () => {
  const victim = new pg.Client(); const killer = new pg.Client();
  await victim.connect(); await killer.connect();
  const text = 'SELECT pg_sleep(30) /* load-victim */';
  try {
    for (let round = 0; round < 5; round += 1) {
      const running = victim.query(text).then(() => 'finished', (e) => e.code);
      for (;;) { const { rows } = await killer.query("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query = $1 AND state = 'active') AS a FROM pg_sleep(0.02)", [text]); if (rows[0].a) break; }
      await killer.query('SELECT pg_sleep(1)');
      const { rows } = await killer.query('SELECT count(*) FILTER (WHERE c)::int AS n FROM (SELECT pg_cancel_backend(pid) AS c FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()) t', [text]);
      expect(rows[0].n).toBe(1);
      expect(await running).toBe('57014');
    }
  } finally { await victim.end(); await killer.end(); }
});`,
  tables: `test('creates, fills and reads a table of its own', async () => {
  const pool = new pg.Pool();
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL)');
    await pool.query("INSERT INTO orders (item) SELECT 'item-' || g FROM generate_series(1, 500) g");
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM orders');
    expect(rows[0].n).toBe(500); // a shared database would hold every run's rows
  } finally { await pool.end(); }
});`,
  sleepy: `test('holds a connection for a while', async () => {
  const pool = new pg.Pool();
  try { await pool.query('SELECT pg_sleep(3)'); } finally { await pool.end(); }
});`,
  count: `test('sees only its own sessions', async () => {
  const pool = new pg.Pool();
  try {
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database()");
    expect(rows[0].n).toBeLessThanOrEqual(4);
  } finally { await pool.end(); }
});`,
  url: `test('DATABASE_URL connects', async () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try { expect((await client.query('SELECT 1 AS one')).rows[0].one).toBe(1); } finally { await client.end(); }
});`,
  quick: `test('a quick one', () => { expect(process.env.INCLUSTER_SHARD_COUNT).toBe('${shards}'); });`,
};

async function project(): Promise<{ dir: string; configFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-load-'));
  await cp(join(repo, 'test/fixtures/services/image'), dir, { recursive: true });
  await cp(join(repo, 'testing/Dockerfile'), join(dir, 'testing/Dockerfile'));
  await mkdir(join(dir, 'suite'));
  await writeFile(
    join(dir, 'suite/vitest.config.ts'),
    "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ root: import.meta.dirname, test: { include: ['*.test.ts'], testTimeout: 120_000 } });\n",
  );
  for (const [name, body] of Object.entries(TESTS))
    await writeFile(
      join(dir, `suite/${name}.test.ts`),
      `import pg from 'pg';\nimport { expect, test } from 'vitest';\n${body}\n`,
    );
  await writeFile(join(dir, '.dockerignore'), 'results/\n.incluster/\n');
  const configFile = join(dir, 'incluster.config.yaml');
  await writeFile(
    configFile,
    stringify({
      cluster: {
        name: clusterName,
        provider,
        ...(provider === 'kind'
          ? { kind: { config: join(repo, 'testing/k8s/kind-config-multinode.yaml'), offline: 'always' } }
          : {}),
      },
      namespace: clusterName,
      services: { isolation: 'run', manifests: [join(repo, 'testing/k8s/services')] },
      artifacts: { dir: 'results' },
      runner: {
        dockerfile: 'testing/Dockerfile',
        context: '.',
        image: 'incluster-load',
        command: [
          ...['node', 'node_modules/vitest/vitest.mjs', 'run', '--config', 'suite/vitest.config.ts'],
          ...['--reporter=default', '--reporter=junit', '--outputFile.junit=/artifacts/junit.xml'],
        ],
        timeout: '15m',
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '768Mi' } },
      },
    }),
  );
  return { dir, configFile };
}

const cli = (dir: string, configFile: string, ...command: string[]) =>
  runCommand('node', [join(repo, 'src/cli/main.ts'), ...command, '--config', configFile], {
    cwd: dir,
    env,
    allowFailure: true,
    maxBuffer: 64 * 1024 * 1024,
  });

/** apiserver_request_total summed over its series, and when it was read. */
async function apiRequests(kube: KubeClient): Promise<{ total: number; at: number }> {
  const text = String(await kube.request(HttpMethod.GET, '/metrics'));
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('apiserver_request_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return { total, at: performance.now() };
}

interface Measured {
  report: RunReport;
  wallMs: number;
  cases: string;
}

async function oneRun(dir: string, configFile: string): Promise<Measured> {
  const started = performance.now();
  const result = await cli(dir, configFile, 'run', '--shards', String(shards), '--json');
  const wallMs = performance.now() - started;
  if (!result.stdout.trim())
    throw new Error(`run printed no report (exit ${result.exitCode}):\n${result.stderr.slice(-3000)}`);
  const report = JSON.parse(result.stdout) as RunReport;
  const junit = await readFile(join(dir, 'results', report.runId, 'junit.xml'), 'utf8').catch(() => '');
  const cases = [...junit.matchAll(/<testcase [^>]*name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)]
    .map((m) => `${m[1]}:${/<failure|<error/.test(m[3] ?? '') ? 'failed' : 'passed'}`)
    .sort()
    .join(',');
  return { report, wallMs, cases };
}

const overhead = (m: Measured) => m.wallMs - Math.max(...m.report.shards.map((s) => s.testDurationMs ?? 0));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const { dir, configFile } = await project();
try {
  const upStarted = performance.now();
  const up = await cli(dir, configFile, 'up');
  if (up.exitCode !== 0) throw new Error(`up failed:\n${up.stderr.slice(-3000)}`);
  console.error(`up (${provider}, ${clusterName}): ${s(performance.now() - upStarted)}`);
  const kube = createKubeClient({ kubeconfig: up.stdout.trim() });
  const nodes = (await kube.core.listNode()).items.map((n) => n.metadata?.name);
  console.error(`nodes: ${nodes.join(', ')}`);
  const warm = await oneRun(dir, configFile); // builds and loads the image; records the durations
  console.error(`warm-up run: ${warm.report.outcome}, ${s(warm.wallMs)}`);

  const before = await apiRequests(kube);
  const alone = await oneRun(dir, configFile);
  const afterAlone = await apiRequests(kube);
  const concurrent = await Promise.all(Array.from({ length: runs }, () => oneRun(dir, configFile)));
  const afterAll = await apiRequests(kube);

  const rate = (a: { total: number; at: number }, b: { total: number; at: number }) =>
    ((b.total - a.total) / (b.at - a.at)) * 1000;
  const allWallMs = afterAll.at - afterAlone.at;
  console.error(
    `one run alone: ${alone.report.outcome} in ${s(alone.wallMs)} (shards ${alone.report.shards.map((x) => s(x.testDurationMs ?? 0)).join(', ')}, on ${new Set(alone.report.shards.map((x) => x.node)).size} nodes), overhead ${s(overhead(alone))}; API ${rate(before, afterAlone).toFixed(1)} requests/s, ${afterAlone.total - before.total} requests`,
  );
  console.error(
    `${runs} runs at once: all done in ${s(allWallMs)} (runs ${s(Math.min(...concurrent.map((m) => m.wallMs)))}–${s(Math.max(...concurrent.map((m) => m.wallMs)))}), overhead median ${s(median(concurrent.map(overhead)))}; API ${rate(afterAlone, afterAll).toFixed(1)} requests/s, ${((afterAll.total - afterAlone.total) / runs).toFixed(0)} requests per run`,
  );
  const outcomes = concurrent.map((m) => m.report.outcome);
  const identical = concurrent.every((m) => m.cases === alone.cases);
  const spread = concurrent.map((m) => new Set(m.report.shards.map((x) => x.node)).size);
  console.error(
    `outcomes: ${outcomes.join(', ')}; JUnit identical to the run alone: ${identical}; nodes per run: ${spread.join(', ')}`,
  );
  for (const m of concurrent.filter((x) => x.report.outcome !== 'passed'))
    console.error(`  ${m.report.runId}: ${m.report.message} ${(m.report.failedTests ?? []).join('; ')}`);
  // Every run deleted its namespace; wait (watching) until they are gone, then look for leftovers.
  const { waitFor } = await import('../src/kube/wait.ts');
  const { deleted } = await import('../src/kube/conditions.ts');
  for (const m of [warm, alone, ...concurrent])
    await waitFor(deleted(kube, 'Namespace', undefined, m.report.namespace), { timeout: 180_000 }).catch(
      () => undefined,
    );
  const left = (await kube.core.listNamespace()).items
    .map((n) => n.metadata?.name ?? '')
    .filter((name) => name.startsWith('incluster-run-'));
  console.log(
    `${runs} runs × ${shards} shards, services per run, ${nodes.length} nodes: ${outcomes.filter((o) => o === 'passed').length}/${runs} passed, identical results ${identical}, run namespaces left ${left.length}; wall ${s(allWallMs)} against ${s(alone.wallMs)} alone (${(allWallMs / alone.wallMs).toFixed(2)}x for ${runs}x the work); overhead per run ${s(median(concurrent.map(overhead)))} against ${s(overhead(alone))}; API ${rate(afterAlone, afterAll).toFixed(1)} against ${rate(before, afterAlone).toFixed(1)} requests/s`,
  );
} finally {
  if (provider === 'kind') {
    const down = await cli(dir, configFile, 'down');
    console.error(`down: exit ${down.exitCode}`);
  }
  await rm(dir, { recursive: true, force: true });
}
