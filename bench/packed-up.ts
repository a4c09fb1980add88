// Benchmark (001-FR-150): `up` of a project that installed incluster's packed tarball, on a machine
// where incluster from its sources (a clone, as `make demo` runs it) has built the local cluster's
// images, and the reverse. Image cache keys are made from what each image is made of, so neither
// should rebuild what the other built; before, each rebuilt every image the other had (the issue
// measured 1m38s for the tarball's `up` against about 30 s). Whole CLI processes, `up --no-services`
// from nothing (cluster down), the same cluster name so both use the same cached containerd root;
// the baseline in the same run is the clone's own `up` after its own `down`.
//   node bench/packed-up.ts --prepare DIR    pack incluster (npm pack runs prepack's build) and
//                                            install the tarball into a scratch project in DIR
//   node bench/packed-up.ts --project DIR    (as root; takes the local cluster down and up) measure
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runCommand } from '../src/process/exec.ts';

const repo = resolve(import.meta.dirname, '..');
const arg = (flag: string) =>
  process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined;
const prepareDir = arg('--prepare');
const projectDir = arg('--project');
const clusterName = 'floe-test';

async function prepare(dir: string): Promise<void> {
  const project = join(dir, 'project');
  await mkdir(project, { recursive: true });
  await runCommand('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repo, timeoutMs: 600_000 });
  const tarball = (await readdir(dir)).find((name) => /^incluster-.*\.tgz$/.test(name));
  if (!tarball) throw new Error(`npm pack left no tarball in ${dir}`);
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'packed-up-bench', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  // The cluster of the same name as the clone's, so both use the same cached containerd root.
  await writeFile(
    join(project, 'incluster.config.yaml'),
    `cluster:\n  name: ${clusterName}\n  provider: local\n`,
  );
  await runCommand('npm', ['install', '--no-audit', '--no-fund', join(dir, tarball)], {
    cwd: project,
    timeoutMs: 600_000,
  });
  console.log(`prepared ${project} with ${tarball}`);
}

interface Up {
  seconds: number;
  built: string[];
}

/** Runs `up --no-services` from nothing as `who`; returns its time and the images it built. */
async function upFromNothing(who: 'clone' | 'tarball', project: string): Promise<Up> {
  const cli =
    who === 'clone'
      ? { file: process.execPath, args: [join(repo, 'src/cli/main.ts')], cwd: repo }
      : { file: join(project, 'node_modules/.bin/incluster'), args: [], cwd: project };
  const env = { ...process.env, NO_COLOR: '1' };
  await runCommand(cli.file, [...cli.args, 'down', '--provider', 'local'], {
    cwd: cli.cwd,
    env,
    timeoutMs: 600_000,
  });
  const started = performance.now();
  const up = await runCommand(cli.file, [...cli.args, 'up', '--provider', 'local', '--no-services'], {
    cwd: cli.cwd,
    env,
    timeoutMs: 1_800_000,
  });
  const seconds = (performance.now() - started) / 1000;
  const built = [...up.stderr.matchAll(/Building image (\S+)/g)].map((m) => m[1]!);
  return { seconds, built: [...new Set(built)] };
}

if (prepareDir) {
  await prepare(prepareDir);
} else if (projectDir && existsSync(join(projectDir, 'project/node_modules/.bin/incluster'))) {
  const project = join(projectDir, 'project');
  // Whatever the cache holds, the clone's images are current after this (not measured).
  await upFromNothing('clone', project);
  const rows: [string, Up][] = [];
  rows.push(['clone up, after the clone’s own (baseline)', await upFromNothing('clone', project)]);
  rows.push(['tarball up, after the clone’s', await upFromNothing('tarball', project)]);
  rows.push(['clone up, after the tarball’s', await upFromNothing('clone', project)]);
  rows.push(['tarball up, after the clone’s (again)', await upFromNothing('tarball', project)]);
  const baseline = rows[0]![1].seconds;
  for (const [name, up] of rows)
    console.log(
      `${name.padEnd(44)} ${up.seconds.toFixed(1).padStart(6)} s  ${(up.seconds / baseline).toFixed(2)}x  built: ${up.built.length ? up.built.join(', ') : 'nothing'}`,
    );
  // Leave the cluster as the suites expect it: up, from the clone.
  await upFromNothing('clone', project);
  const load = (await runCommand('cat', ['/proc/loadavg'])).stdout.split(' ').slice(0, 3).join(' ');
  console.log(`load average ${load}`);
} else {
  console.error('usage: node bench/packed-up.ts --prepare DIR | --project DIR (a DIR prepared before)');
  process.exit(2);
}
