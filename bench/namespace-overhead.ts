// Benchmark: what the namespace fixture costs a test on its own clock. Per test the fixture creates
// a labelled namespace (setup) and fires its deletion without waiting (teardown); the baseline, in
// the same run, is the common alternative of deleting and waiting until the namespace is gone. It
// starts only once every namespace the fixture deleted is gone, so it waits for its own deletions.
// Prints p50/p95 over N tests (default 100) and the ratio.
//   KUBECONFIG=… node bench/namespace-overhead.ts [--tests N] [--baseline M]
import { createKubeClient } from '../src/kube/client.ts';
import { deleted } from '../src/kube/conditions.ts';
import { waitFor } from '../src/kube/wait.ts';
import { createTestNamespace, deleteAllCreated, deleteTestNamespace } from '../src/vitest/namespace.ts';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const tests = arg('--tests', 100);
const baselineTests = arg('--baseline', 10);
const kube = createKubeClient();
await kube.ping();

const fixture: { setup: number[]; teardown: number[]; total: number[] } = {
  setup: [],
  teardown: [],
  total: [],
};
const fired: string[] = [];
for (let i = 0; i < tests; i += 1) {
  const t0 = performance.now();
  const ns = await createTestNamespace(kube, { testName: `kube bench overhead ${i}` });
  const t1 = performance.now();
  void deleteTestNamespace(kube, ns.name); // what the fixture's teardown does
  const t2 = performance.now();
  fired.push(ns.name);
  fixture.setup.push(t1 - t0);
  fixture.teardown.push(t2 - t1);
  fixture.total.push(t2 - t0);
}
// The baseline must not queue behind the fixture's deletions: the DELETE requests return at once,
// but the namespace controller then empties and removes every namespace, one after another. Wait
// (watching) until each fired namespace is gone before the baseline starts.
await deleteAllCreated();
const drainStart = performance.now();
for (const name of fired) await waitFor(deleted(kube, 'Namespace', undefined, name), { timeout: 600_000 });
const drainMs = performance.now() - drainStart;

const waited: number[] = [];
for (let i = 0; i < baselineTests; i += 1) {
  const t0 = performance.now();
  const ns = await createTestNamespace(kube, { testName: `kube bench overhead waited ${i}` });
  await kube.core.deleteNamespace({ name: ns.name });
  await waitFor(deleted(kube, 'Namespace', undefined, ns.name), { timeout: 120_000 });
  waited.push(performance.now() - t0);
}

const p = (values: number[], q: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const ms = (v: number) => `${v.toFixed(1)}ms`;
console.log(
  `namespace fixture overhead on the test's clock, ${tests} tests (baseline: ${baselineTests} tests waiting for deletion)`,
);
console.log('phase                      p50        p95');
for (const [name, values] of Object.entries({
  'fixture setup (create)': fixture.setup,
  'fixture teardown (fire)': fixture.teardown,
  'fixture total': fixture.total,
  'baseline: delete + wait': waited,
}))
  console.log(`${name.padEnd(24)} ${ms(p(values, 0.5)).padStart(9)} ${ms(p(values, 0.95)).padStart(10)}`);
console.log(
  `the fixture's ${tests} fired deletions took ${(drainMs / 1000).toFixed(1)} s more to finish, before the baseline started`,
);
console.log(
  `ratio p50: baseline/fixture ${(p(waited, 0.5) / p(fixture.total, 0.5)).toFixed(1)}x, p95: ${(p(waited, 0.95) / p(fixture.total, 0.95)).toFixed(1)}x`,
);
