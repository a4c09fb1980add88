// Benchmark: the local provider's lifecycle on this machine, measured in one run:
//   reuse `up` (a healthy cluster), `down`, and warm `up` from nothing (binaries and images cached),
// each the whole CLI process, with the services (PostgreSQL) deployed and ready. The baseline, in
// the same rounds: `up` from nothing without the containerd root `down` keeps in the cache (the
// stash removed first, as every `down` did before 001-FR-120), which imports every cluster image.
// The seed's kind figure (30-60 s "with caching") is the reference the issue asks to compare with;
// it is quoted here, and offline kind on this machine is measured by bench/kind-offline.ts.
//   node bench/local-cluster.ts [--runs N]        (as root; takes the local cluster down and up)
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { cacheRoot } from '../src/cluster/cache.ts';
import { containerdStash } from '../src/cluster/providers/local/containerd-stash.ts';
import { runCommand } from '../src/process/exec.ts';

const repo = resolve(import.meta.dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const SEED_KIND_SECONDS = { low: 30, high: 60 };

async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  await runCommand(process.execPath, ['src/cli/main.ts', ...args], { cwd: repo, timeoutMs: 900_000 });
  return (performance.now() - started) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const reuse: number[] = [];
const down: number[] = [];
const warm: number[] = [];
const fresh: number[] = [];
const stash = containerdStash(cacheRoot(process.env), 'floe-test');
await timed(['up', '--provider', 'local']);
for (let i = 0; i < runs; i += 1) {
  reuse.push(await timed(['up', '--provider', 'local']));
  down.push(await timed(['down', '--provider', 'local']));
  warm.push(await timed(['up', '--provider', 'local']));
  await timed(['down', '--provider', 'local']);
  await rm(stash, { recursive: true, force: true });
  fresh.push(await timed(['up', '--provider', 'local']));
}
const row = (name: string, values: number[]) =>
  `${name.padEnd(34)} median ${median(values).toFixed(1)} s  (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)}, n=${values.length})`;
console.log(row('up, cluster already healthy', reuse));
console.log(row('down', down));
console.log(row('up from nothing, caches warm', warm));
console.log(row('  baseline: no containerd root kept', fresh));
const w = median(warm);
console.log(`up from nothing: ${(median(fresh) / w).toFixed(2)}x faster with the containerd root kept`);
console.log(
  `warm up vs the seed's kind figure (${SEED_KIND_SECONDS.low}-${SEED_KIND_SECONDS.high} s): ` +
    `${(w / SEED_KIND_SECONDS.high).toFixed(2)}x-${(w / SEED_KIND_SECONDS.low).toFixed(2)}x of kind's time`,
);
