// Benchmark: `incluster run` against the seed's hand-written flow (kubectl apply of a Job, kubectl
// wait --for=condition=complete, kubectl cp) on the same suite, image and cluster, and the warm
// inner loop (a source file changed, dependencies not) from command to exit. Prints each time and
// its ratio to the hand-written flow measured in this same run.
//
//   KUBECONFIG=$(cat /tmp/incluster-cluster-ready) node bench/run-inner-loop.ts [rounds] [--baseline-cli PATH]
//
// With --baseline-cli (another checkout's src/cli/main.ts, e.g. the commit before a refactor), that
// CLI's unchanged-tree and inner-loop runs are timed in the same rounds, interleaved, on its own
// scratch copy, and each of ours is also printed as a ratio to it.
//
// Needs the local cluster and docker.io/library/node:24-bookworm-slim in the Docker engine.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../src/process/exec.ts';

const repo = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const baselineAt = args.indexOf('--baseline-cli');
const baselineCli = baselineAt >= 0 ? resolve(args[baselineAt + 1] ?? '') : undefined;
const rounds = Number(args.find((a, i) => /^\d+$/.test(a) && i !== baselineAt + 1) ?? '3');
const env = { ...process.env };
const ourCli = join(repo, 'src/cli/main.ts');

/** The fixture suite in a scratch directory, so source edits never touch the repository. */
async function scratchProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-bench-'));
  await cp(join(repo, 'test/fixtures/runner/suite'), dir, { recursive: true });
  await rm(join(dir, 'test-results'), { recursive: true, force: true });
  const config = (await readFile(join(dir, 'incluster.config.yaml'), 'utf8')).replace(
    /dockerfile: .*/,
    `dockerfile: ${join(repo, 'testing/Dockerfile')}`,
  );
  await writeFile(join(dir, 'incluster.config.yaml'), config);
  return dir;
}

async function timed(what: string, work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  console.error(`  ${what}: ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

async function incluster(dir: string, cli = ourCli): Promise<void> {
  const result = await runCommand('node', [cli, 'run', '--provider', 'local', '--', '--mode=pass'], {
    cwd: dir,
    env,
    allowFailure: true,
  });
  if (result.exitCode !== 0) throw new Error(`incluster run exited ${result.exitCode}:\n${result.stderr}`);
}

/** The seed's flow: apply a Job, wait for it, copy the artifacts out, delete the namespace. */
async function handWritten(image: string, round: number): Promise<{ copied: boolean }> {
  const ns = `bench-seed-${Date.now().toString(36)}-${round}`;
  const job = `apiVersion: batch/v1
kind: Job
metadata: { name: tests, namespace: ${ns} }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: tests
          image: ${image}
          imagePullPolicy: Never
          command: [sh, -c, 'node run-tests.mjs --mode=pass']
          env: [{ name: INCLUSTER_ARTIFACTS_DIR, value: /artifacts }]
          volumeMounts: [{ name: artifacts, mountPath: /artifacts }]
      volumes: [{ name: artifacts, emptyDir: {} }]
`;
  const out = await mkdtemp(join(tmpdir(), 'incluster-bench-cp-'));
  try {
    await runCommand('kubectl', ['create', 'namespace', ns], { env });
    await runCommand('kubectl', ['apply', '-f', '-'], { env, input: job });
    await runCommand(
      'kubectl',
      ['wait', '-n', ns, '--for=condition=complete', 'job/tests', '--timeout=180s'],
      {
        env,
      },
    );
    await runCommand('kubectl', ['logs', '-n', ns, 'job/tests'], { env });
    const pod = (
      await runCommand(
        'kubectl',
        ['get', 'pods', '-n', ns, '-l', 'job-name=tests', '-o', 'jsonpath={.items[0].metadata.name}'],
        {
          env,
        },
      )
    ).stdout.trim();
    // The container has exited: kubectl cp needs a running one, so this is where the seed lost its results.
    const copy = await runCommand('kubectl', ['cp', '-n', ns, `${pod}:/artifacts`, out], {
      env,
      allowFailure: true,
    });
    return { copied: copy.exitCode === 0 };
  } finally {
    await runCommand('kubectl', ['delete', 'namespace', ns, '--wait=false'], { env, allowFailure: true });
    await rm(out, { recursive: true, force: true });
  }
}

const dir = await scratchProject();
console.error(`bench: ${rounds} rounds on ${dir}`);
// Warm-up: the first build and load, not measured (a cold build is a once-per-lockfile cost).
await incluster(dir);
const report = JSON.parse(
  await readFile(
    join(
      dir,
      'test-results',
      (await runCommand('ls', [join(dir, 'test-results')])).stdout.trim().split('\n')[0]!,
      'report.json',
    ),
    'utf8',
  ),
) as { image: { reference: string; clusterReference: string } };
// What the pods ran: the tag built and loaded, or an earlier image with the same dependencies that
// the sources were synced into (then the built tag was never loaded).
const image = report.image.clusterReference;

const baselineDir = baselineCli ? await scratchProject() : undefined;
if (baselineCli && baselineDir) await incluster(baselineDir, baselineCli);

const seed: number[] = [];
const unchanged: number[] = [];
const changed: number[] = [];
const baselineUnchanged: number[] = [];
const baselineChanged: number[] = [];
const editSource = async (project: string) => {
  const source = join(project, 'run-tests.mjs');
  await writeFile(source, `${await readFile(source, 'utf8')}\n// edit ${Date.now()}\n`);
};
let seedCopied = true;
for (let round = 0; round < rounds; round += 1) {
  console.error(`round ${round + 1}`);
  seed.push(
    await timed('hand-written kubectl flow', async () => {
      const { copied } = await handWritten(image, round);
      seedCopied = seedCopied && copied;
    }),
  );
  unchanged.push(await timed('incluster run, unchanged tree', () => incluster(dir)));
  if (baselineCli && baselineDir)
    baselineUnchanged.push(
      await timed('baseline run, unchanged tree', () => incluster(baselineDir, baselineCli)),
    );
  await editSource(dir);
  changed.push(await timed('incluster run, one source file changed', () => incluster(dir)));
  if (baselineCli && baselineDir) {
    await editSource(baselineDir);
    baselineChanged.push(
      await timed('baseline run, one source file changed', () => incluster(baselineDir, baselineCli)),
    );
  }
}
await rm(dir, { recursive: true, force: true });
if (baselineDir) await rm(baselineDir, { recursive: true, force: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = median(seed);
const line = (name: string, values: number[]) =>
  `${name}: median ${(median(values) / 1000).toFixed(1)} s (${(median(values) / base).toFixed(2)}× the hand-written flow)`;
console.log(
  line('hand-written kubectl apply/wait/cp', seed) + (seedCopied ? '' : ', kubectl cp got no artifacts'),
);
const versus = (ours: number[], theirs: number[]) =>
  theirs.length
    ? `; ${(median(ours) / median(theirs)).toFixed(2)}× the baseline CLI's ${(median(theirs) / 1000).toFixed(1)} s`
    : '';
console.log(line('incluster run, unchanged tree', unchanged) + versus(unchanged, baselineUnchanged));
console.log(
  line('incluster run, warm inner loop (source changed, deps not)', changed) +
    versus(changed, baselineChanged),
);
if (baselineCli) {
  console.log(line(`baseline ${baselineCli}, unchanged tree`, baselineUnchanged));
  console.log(line(`baseline ${baselineCli}, warm inner loop`, baselineChanged));
}
