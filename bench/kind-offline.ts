// Offline kind lifecycle timings: `up --provider kind` (cluster.kind.offline: always, the research
// config testing/k8s/kind-config.yaml, no services) and `down`, as whole CLI processes. With --cold
// the first up starts without the node image: the kind engine's data-root and the kind-only image
// archives are removed first, so it builds the node base, the component images and the node image
// (the Go-built binaries stay cached: building Kubernetes is measured by bench/kubernetes-build.ts).
// Run as root:  node bench/kind-offline.ts [--runs N] [--cold]
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../src/cluster/cache.ts';
import { kindEnginePaths } from '../src/cluster/providers/kind/host/engine.ts';
import { imageCacheDir, isArchiveOf } from '../src/cluster/images/cache.ts';
import {
  kubeadmImages,
  LOCAL_PATH_PROVISIONER_IMAGE,
  POD_NETWORK_IMAGE,
} from '../src/cluster/images/kind-node/names.ts';
import { COREDNS_IMAGE, PAUSE_IMAGE } from '../src/cluster/images/names.ts';

const run = promisify(execFile);
const repo = new URL('..', import.meta.url).pathname;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 2;
const cold = process.argv.includes('--cold');
const project = mkdtempSync(join(tmpdir(), 'incluster-kind-bench-'));
const config = join(project, 'incluster.config.yaml');
writeFileSync(
  config,
  `cluster:\n  provider: kind\n  kind:\n    config: ${join(repo, 'testing/k8s/kind-config.yaml')}\n    offline: always\n`,
);

async function timed(...args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, ['src/cli/main.ts', ...args, '--config', config], {
    cwd: repo,
    maxBuffer: 64 << 20,
  });
  return (performance.now() - started) / 1000;
}

await timed('down', '--provider', 'kind');
if (cold) {
  const cache = cacheRoot();
  rmSync(kindEnginePaths(cache).dataRoot, { recursive: true, force: true });
  // Only the kind node's own images: the archives the local provider shares (busybox, CoreDNS,
  // pause, the Debian base) stay.
  const shared = [COREDNS_IMAGE, PAUSE_IMAGE];
  const ours = [
    ...Object.values(kubeadmImages()).filter((image) => !shared.includes(image)),
    POD_NETWORK_IMAGE,
    LOCAL_PATH_PROVISIONER_IMAGE,
  ];
  for (const file of readdirSync(imageCacheDir(cache)))
    if (ours.some((image) => isArchiveOf(file, image))) rmSync(join(imageCacheDir(cache), file));
}
const rows: string[] = [];
for (let i = 0; i < runs; i += 1) {
  const up = await timed('up', '--provider', 'kind', '--no-services');
  const again = await timed('up', '--provider', 'kind', '--no-services');
  const down = await timed('down', '--provider', 'kind');
  rows.push(
    `run ${i + 1}${cold && i === 0 ? ' (cold)' : ''}: up ${up.toFixed(1)} s, up again ${again.toFixed(1)} s, down ${down.toFixed(1)} s`,
  );
  console.log(rows.at(-1));
}
const load = (await run('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
console.log(`load average ${load}`);
rmSync(project, { recursive: true, force: true });
