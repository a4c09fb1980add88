// Benchmark: a cold build of the local provider's Kubernetes binaries, as `incluster up` does it
// the first time on a machine (the wrapper module, one `go build` per binary), into a temporary
// cache with an empty Go build cache, so nothing is reused. Prints the total time.
//   node bench/kubernetes-build.ts        (about 8 minutes on 2 cores; needs Go and the module proxy)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKubernetesBinaries, KUBERNETES_BINARIES } from '../src/cluster/host/kubernetes.ts';
import { Status } from '../src/progress/status.ts';

const cache = await mkdtemp(join(tmpdir(), 'incluster-k8s-build-'));
const status = new Status(process.stderr, { interactive: false });
const env = { ...process.env, GOCACHE: join(cache, 'go-build') };
const started = performance.now();
try {
  const dir = await ensureKubernetesBinaries({ cacheRoot: cache, status, env });
  const total = (performance.now() - started) / 1000;
  console.log(`cold build of ${KUBERNETES_BINARIES.join(', ')} into ${dir}: ${total.toFixed(0)} s`);
  for (const phase of status.timings) console.log(`  ${phase.name}: ${(phase.ms / 1000).toFixed(0)} s`);
} finally {
  await rm(cache, { recursive: true, force: true });
}
