// Removes a local cluster's leftovers once its supervisor has stopped: container processes and
// shims, mounts under its directories, and the network namespaces of its pods. Ownership is proven,
// never guessed: processes by our cgroup root or our containerd socket, netns by inode.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { runCommand } from '../../../process/exec.ts';
import type { LocalLayout } from './layout.ts';
import { podPids as listPodPids, removeCgroupRoot } from './cgroups.ts';
import { delay } from '../../../delay.ts';

/** Everything teardown found and removed, for `down` to report. */
export interface TeardownReport {
  killed: number;
  unmounted: number;
  problems: string[];
}

/** Kills our containers and shims, unmounts our mounts and pod netns, removes our cgroups. */
export async function tearDownRuntime(layout: LocalLayout): Promise<TeardownReport> {
  const report: TeardownReport = { killed: 0, unmounted: 0, problems: [] };
  const podPids = await listPodPids();
  const netnsInodes = new Set<number>();
  for (const pid of podPids) {
    const inode = await netnsInode(pid);
    if (inode !== undefined) netnsInodes.add(inode);
  }
  const shims = await shimPids(layout.containerdSocket);
  for (const pid of [...podPids, ...shims]) {
    try {
      process.kill(pid, 'SIGKILL');
      report.killed += 1;
    } catch {
      // already gone
    }
  }
  await waitForExit([...podPids, ...shims], 10_000);

  const mounts = await mountPoints();
  const ours = mounts.filter(
    (m) =>
      isUnder(m.target, layout.stateDir) ||
      isUnder(m.target, layout.runDir) ||
      (m.fsType === 'nsfs' && netnsInodes.has(m.inode ?? -1)),
  );
  // Deepest first, so a parent is never busy because of its children. A target can be listed more
  // than once (stacked mounts, /run and /var/run): success is judged afterwards, from mountinfo.
  const targets = [...new Set(ours.map((m) => m.target))].sort((a, b) => b.length - a.length);
  let stillMounted = new Set(targets);
  for (let pass = 0; pass < 3 && targets.some((t) => stillMounted.has(t)); pass += 1) {
    for (const target of targets.filter((t) => stillMounted.has(t))) {
      const result = await runCommand('umount', [target], { allowFailure: true });
      if (result.exitCode !== 0) await runCommand('umount', ['-l', target], { allowFailure: true });
    }
    stillMounted = new Set((await mountPoints()).map((m) => m.target));
  }
  for (const target of targets.filter((t) => t.startsWith('/run/netns/') && !stillMounted.has(t))) {
    await runCommand('rm', ['-f', target], { allowFailure: true });
  }
  for (const target of targets) {
    if (stillMounted.has(target)) report.problems.push(`could not unmount ${target}`);
    else report.unmounted += 1;
  }
  report.problems.push(...(await removeCgroupRoot()));
  return report;
}

async function netnsInode(pid: number): Promise<number | undefined> {
  try {
    const link = await readlink(`/proc/${pid}/ns/net`);
    const match = /net:\[(\d+)\]/.exec(link);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** containerd shims started by our containerd: their command line names our socket. */
async function shimPids(socket: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0');
      if (cmdline[0]?.includes('containerd-shim') && cmdline.includes(socket)) pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function waitForExit(pids: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids;
  // No event exists for a non-child's exit; check a few times a second until they are gone.
  while (alive.length > 0 && Date.now() < deadline) {
    alive = alive.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    if (alive.length > 0) await delay(100);
  }
}

interface MountPoint {
  target: string;
  fsType: string;
  inode: number | undefined;
}

async function mountPoints(): Promise<MountPoint[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const mounts: MountPoint[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const fields = line.split(' ');
    const target = unescapeMountPath(fields[4] ?? '');
    const fsType = fields[fields.indexOf('-') + 1] ?? '';
    let inode: number | undefined;
    if (fsType === 'nsfs') {
      try {
        inode = (await stat(target)).ino;
      } catch {
        inode = undefined;
      }
    }
    mounts.push({ target, fsType, inode });
  }
  return mounts;
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}
