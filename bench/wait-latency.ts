// Benchmark: wait reaction latency (the moment a condition becomes true → the wait returns), for
// incluster's watch-backed waitFor, `kubectl wait --for=jsonpath=…` and a 1 s polling loop, all
// waiting for the same change in the same round. The change is a ConfigMap update made at a known
// instant, so the latency is the waiter's alone. Prints p50/p95 and ratios measured in this run.
//   KUBECONFIG=… node bench/wait-latency.ts [--rounds N] [--kubectl PATH]
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createKubeClient } from '../src/kube/client.ts';
import { match } from '../src/kube/conditions.ts';
import { waitFor } from '../src/kube/wait.ts';
import { createTestNamespace, deleteTestNamespace } from '../src/vitest/namespace.ts';
import { isNotFound } from '../src/kube/api-error.ts';

const arg = (name: string) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const rounds = Number(arg('--rounds') ?? 30);
const kubectl = arg('--kubectl') ?? findKubectl();
const kube = createKubeClient();
await kube.ping();
const { name: namespace } = await createTestNamespace(kube, { testName: 'kube bench wait latency' });
const results = { waitFor: [] as number[], kubectl: [] as number[], poll1s: [] as number[] };

try {
  for (let round = 0; round < rounds; round += 1) {
    const name = `flag-${round}`;
    await kube.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name }, data: { state: 'off' } },
    });
    let changedAt = 0;
    const ours = waitFor(
      match<{ data?: Record<string, string> }>(
        kube,
        'ConfigMap',
        namespace,
        name,
        (cm) => cm.data?.state === 'on',
      ),
      { timeout: 60_000 },
    ).then(() => performance.now());
    const theirs = new Promise<number>((resolve, reject) => {
      const child = spawn(
        kubectl,
        ['wait', '-n', namespace, `configmap/${name}`, '--for=jsonpath={.data.state}=on', '--timeout=60s'],
        { stdio: 'ignore' },
      );
      child.on('exit', (code) =>
        code === 0 ? resolve(performance.now()) : reject(new Error(`kubectl wait exited ${code}`)),
      );
    });
    const polled = (async () => {
      for (;;) {
        const cm = await kube.core
          .readNamespacedConfigMap({ namespace, name })
          .catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e as Error)));
        if (cm?.data?.state === 'on') return performance.now();
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    // Give every waiter time to start (kubectl is a process) before the change.
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
    changedAt = performance.now();
    await kube.core.patchNamespacedConfigMap({
      namespace,
      name,
      body: [{ op: 'replace', path: '/data/state', value: 'on' }],
    });
    const [a, b, c] = await Promise.all([ours, theirs, polled]);
    results.waitFor.push(a - changedAt);
    results.kubectl.push(b - changedAt);
    results.poll1s.push(c - changedAt);
    process.stderr.write(
      `round ${round + 1}/${rounds}: waitFor ${ms(a - changedAt)} kubectl ${ms(b - changedAt)} poll ${ms(c - changedAt)}\n`,
    );
  }
} finally {
  await deleteTestNamespace(kube, namespace);
}

const p = (values: number[], q: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
console.log(`wait reaction latency over ${rounds} rounds (ms after the change was sent)`);
console.log('waiter       p50      p95');
for (const [name, values] of Object.entries(results))
  console.log(`${name.padEnd(10)} ${ms(p(values, 0.5)).padStart(7)} ${ms(p(values, 0.95)).padStart(8)}`);
console.log(
  `ratio p50: kubectl/waitFor ${(p(results.kubectl, 0.5) / p(results.waitFor, 0.5)).toFixed(1)}x, poll/waitFor ${(p(results.poll1s, 0.5) / p(results.waitFor, 0.5)).toFixed(1)}x`,
);
console.log(
  `ratio p95: kubectl/waitFor ${(p(results.kubectl, 0.95) / p(results.waitFor, 0.95)).toFixed(1)}x, poll/waitFor ${(p(results.poll1s, 0.95) / p(results.waitFor, 0.95)).toFixed(1)}x`,
);
console.log(`kubectl: ${kubectl}`);

function ms(value: number): string {
  return `${value.toFixed(1)}ms`;
}

function findKubectl(): string {
  const ready = '/tmp/incluster-cluster-ready';
  if (existsSync(ready)) {
    const candidate = join(dirname(readFileSync(ready, 'utf8').trim()), '..', 'bin', 'kubectl');
    if (existsSync(candidate)) return candidate;
  }
  return 'kubectl';
}
