// The kubelet's cgroup root (cgroup v1): every pod's processes live below /incluster in each
// hierarchy, so teardown can find exactly ours. The kubelet requires the root to exist already.
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Name of the cgroup below which the kubelet puts every pod (its `cgroupRoot`). */
const CGROUP_ROOT = 'incluster';
const CGROUP_BASE = '/sys/fs/cgroup';

/** Creates /incluster in every v1 hierarchy; a new cpuset must be given its parent's cpus and mems. */
export async function ensureCgroupRoot(): Promise<void> {
  for (const hierarchy of await hierarchies()) {
    const dir = join(CGROUP_BASE, hierarchy, CGROUP_ROOT);
    await mkdir(dir, { recursive: true });
    if (hierarchy.split(',').includes('cpuset')) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        const current = (await readFile(join(dir, file), 'utf8')).trim();
        if (!current)
          await writeFile(join(dir, file), await readFile(join(CGROUP_BASE, hierarchy, file), 'utf8'));
      }
    }
  }
}

/** Pids of every process in our cgroup root, from the pids hierarchy. */
export async function podPids(): Promise<number[]> {
  return pidsBelow(join(CGROUP_BASE, 'pids', CGROUP_ROOT));
}

/** Removes our cgroup tree in every hierarchy (after its processes are gone); returns what failed. */
export async function removeCgroupRoot(): Promise<string[]> {
  const problems: string[] = [];
  // runc also mirrors the tree into the v2 `unified` hierarchy of a hybrid host.
  for (const hierarchy of [...(await hierarchies()), 'unified']) {
    const root = join(CGROUP_BASE, hierarchy, CGROUP_ROOT);
    try {
      await removeTree(root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        problems.push(`could not remove cgroup ${root}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/** The mounted v1 hierarchies (cpu, memory, pids, …), skipping the v2 `unified` mount. */
async function hierarchies(): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(CGROUP_BASE, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isDirectory() && e.name !== 'unified').map((e) => e.name);
}

async function pidsBelow(dir: string): Promise<number[]> {
  const pids: number[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return pids;
  }
  try {
    const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8');
    pids.push(...procs.split('\n').filter(Boolean).map(Number));
  } catch {
    // not a cgroup directory
  }
  for (const entry of entries)
    if (entry.isDirectory()) pids.push(...(await pidsBelow(join(dir, entry.name))));
  return pids;
}

async function removeTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) if (entry.isDirectory()) await removeTree(join(dir, entry.name));
  await rmdir(dir);
}
