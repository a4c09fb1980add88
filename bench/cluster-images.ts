// Benchmark: the local cluster's images, cold (empty cache: debootstrap, go build, docker builds,
// imports) against warm (nothing to do) and warm after `down` (Docker keeps its layers, containerd is
// empty: imports from the cached archives). Prints each time and its ratio to cold, measured in one run.
//   node bench/cluster-images.ts --containerd SOCKET
// Uses its own cache directory, its own dockerd (own socket and data-root) and its own containerd
// namespace, so it neither reuses nor disturbs a running cluster's images. Go modules stay cached
// (GOMODCACHE); the Go build cache is fresh, so CoreDNS is really compiled.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stopDockerEngine } from '../src/cluster/providers/local/build-engine.ts';
import { ensureClusterImages } from '../src/cluster/providers/local/cluster-images.ts';
import { runCommand } from '../src/process/exec.ts';
import { formatDuration } from '../src/duration.ts';
import { Status } from '../src/progress/status.ts';

const flag = process.argv.indexOf('--containerd');
const containerdSocket = flag > 0 ? process.argv[flag + 1] : undefined;
if (!containerdSocket) {
  console.error('usage: node bench/cluster-images.ts --containerd SOCKET');
  process.exit(2);
}

const root = await mkdtemp(join(tmpdir(), 'incluster-bench-images-'));
const cache = join(root, 'cache');
const stateDir = join(root, 'state');
const env = {
  ...process.env,
  INCLUSTER_CACHE_DIR: cache,
  DOCKER_HOST: `unix://${join(root, 'docker.sock')}`,
  GOCACHE: join(root, 'go-build'),
};
const namespaces: string[] = [];
const sink = new PassThrough().resume();
const status = new Status(process.env.BENCH_VERBOSE ? process.stderr : sink, { interactive: false });

async function measure(label: string, namespace: string): Promise<number> {
  namespaces.push(namespace);
  const started = performance.now();
  const report = await ensureClusterImages({
    cacheRoot: cache,
    stateDir,
    containerdSocket,
    namespace,
    status,
    env,
  });
  const ms = performance.now() - started;
  const imported = report.images.filter((o) => o.containerd === 'imported').length;
  console.log(
    `${label.padEnd(34)} ${formatDuration(ms).padStart(8)}  built ${report.built.length}, imported ${imported}`,
  );
  return ms;
}

try {
  const cold = await measure('cold (empty cache)', 'incluster-bench-1');
  const warm = await measure('warm (everything present)', 'incluster-bench-1');
  await stopDockerEngine({ stateDir });
  const afterDown = await measure('warm after down (empty containerd)', 'incluster-bench-2');
  console.log(
    `warm / cold: ${(warm / cold).toFixed(4)}   warm after down / cold: ${(afterDown / cold).toFixed(3)}`,
  );
} finally {
  await stopDockerEngine({ stateDir });
  for (const namespace of namespaces) {
    const ctr = (args: string[]) =>
      runCommand('ctr', ['--address', containerdSocket, '--namespace', namespace, ...args], {
        allowFailure: true,
      });
    const images = (await ctr(['images', 'ls', '--quiet'])).stdout.split('\n').filter(Boolean);
    // --sync: the namespace can only go once garbage collection has dropped its content.
    if (images.length) await ctr(['images', 'rm', '--sync', ...images]);
    await runCommand('ctr', ['--address', containerdSocket, 'namespaces', 'rm', namespace], {
      allowFailure: true,
    });
  }
  await rm(root, { recursive: true, force: true });
}
