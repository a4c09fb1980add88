// containerd's root outlives `down`, in the cache. A fresh root means re-importing every cluster
// image (about 700 MB, half of an `up` from nothing); the root of the last cluster already holds
// them, unpacked and labelled with their cache keys, so `up` finds them present and imports nothing.
// `down` still removes everything from where the cluster ran: the root moves (one rename, on the
// same filesystem) into the cache, where the binaries and image archives are kept too, and `up`
// moves it back before containerd starts. The containers of the old cluster in it are dead, and the
// kubelet's garbage collection removes them like those of any deleted pod.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LocalLayout } from './layout.ts';

/** Where a cluster's containerd root waits between a `down` and the next `up`. */
export function containerdStash(cacheRoot: string, clusterName: string): string {
  return join(cacheRoot, 'containerd-root', clusterName);
}

/**
 * Moves the cluster's containerd root into the cache (after teardown: nothing is mounted under it).
 * Returns whether it did; a root on another filesystem is removed instead, as before.
 */
export async function stashContainerdRoot(layout: LocalLayout, cacheRoot: string): Promise<boolean> {
  if (!(await isDirectory(layout.containerdRoot))) return false;
  const stash = containerdStash(cacheRoot, layout.clusterName);
  await rm(stash, { recursive: true, force: true });
  await mkdir(dirname(stash), { recursive: true });
  try {
    await rename(layout.containerdRoot, stash);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw error;
  }
}

/** Moves a stashed root back to where containerd expects it, unless a root is there already. */
export async function restoreContainerdRoot(layout: LocalLayout, cacheRoot: string): Promise<boolean> {
  const stash = containerdStash(cacheRoot, layout.clusterName);
  if (!(await isDirectory(stash)) || (await isDirectory(layout.containerdRoot))) return false;
  await mkdir(dirname(layout.containerdRoot), { recursive: true });
  try {
    await rename(stash, layout.containerdRoot);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
