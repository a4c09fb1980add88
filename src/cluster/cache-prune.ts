// What `incluster cache prune` removes: whatever in the cache this incluster does not use. Image
// archives stay side by side (one per image and key) so that projects pinning different incluster
// versions on one machine do not evict each other; prune is how a user takes back that space. It
// only touches what incluster itself put there: archives named by key, the version directories of
// the Go programs it builds, and the leftovers of interrupted saves.
import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HELM_PROGRAM } from '../services/helm.ts';
import { goBuildKey, goProgramRoot, type GoProgram } from './host/go-build.ts';
import { isAlive } from './host/dockerd.ts';
import { KIND_PROGRAM } from './host/kind.ts';
import { REGISTRY_PROGRAM } from './host/registry.ts';
import { recipeKey } from './images/builder.ts';
import { imageArchivePath, isArchiveOf, listArchives } from './images/cache.ts';
import { CLUSTER_RECIPES, RUNNER_BASE_RECIPES } from './images/catalogue.ts';
import { NODE_PROGRAMS } from './images/kind-node/binaries.ts';
import { componentRecipes } from './images/kind-node/components.ts';
import type { ImageRecipe } from './images/recipe.ts';
import { COREDNS_PROGRAM } from './images/recipes/coredns.ts';

/** One thing prune removes (or, with --dry-run, would remove). */
export interface PrunedEntry {
  path: string;
  /** Why it goes: `image archive`, `go program`, `interrupted save`. */
  kind: 'image archive' | 'go program' | 'interrupted save';
  bytes: number;
}

/** An image this incluster builds: its current key and archive, which prune keeps. */
export interface CurrentImage {
  image: string;
  /**
   * Its key; undefined when this machine lacks what the key is computed from (Debian's busybox for
   * the busybox image): prune then keeps every archive of the image.
   */
  key: string | undefined;
  archive: string | undefined;
  /** Whether the archive is in the cache now. */
  cached: boolean;
}

/** What prune found. */
export interface PruneResult {
  dryRun: boolean;
  removed: PrunedEntry[];
  freedBytes: number;
  /** The images this incluster builds, with their current keys (their archives are kept). */
  current: CurrentImage[];
}

/** Every Go program incluster builds into the cache. */
function goPrograms(): GoProgram[] {
  return [...NODE_PROGRAMS, COREDNS_PROGRAM, KIND_PROGRAM, HELM_PROGRAM, REGISTRY_PROGRAM];
}

/** Every image recipe incluster has, with the bases they build FROM. */
function allRecipes(): ImageRecipe[] {
  const unavailable = () => {
    throw new Error('prune reads keys only; it never builds');
  };
  const all = new Set<ImageRecipe>();
  const add = (recipe: ImageRecipe) => {
    if (recipe.base) add(recipe.base);
    all.add(recipe);
  };
  for (const recipe of [...CLUSTER_RECIPES, ...RUNNER_BASE_RECIPES, ...componentRecipes(unavailable)])
    add(recipe);
  return [...all];
}

/** The images this incluster builds and their current keys. */
export async function currentImages(cacheRoot: string, env: NodeJS.ProcessEnv): Promise<CurrentImage[]> {
  const current: CurrentImage[] = [];
  for (const recipe of allRecipes()) {
    // The kind node's base lives only in the kind engine, never in the archives.
    if (recipe.archive === false) continue;
    const key = await recipeKey(recipe, env).catch(() => undefined);
    const archive = key === undefined ? undefined : imageArchivePath(cacheRoot, recipe.image, key);
    const cached = archive !== undefined && (await lstat(archive).catch(() => undefined)) !== undefined;
    current.push({ image: recipe.image, key, archive, cached });
  }
  return current;
}

/** Finds what the cache holds that this incluster does not use, and removes it unless `dryRun`. */
export async function pruneCache(
  cacheRoot: string,
  options: { dryRun: boolean; env: NodeJS.ProcessEnv },
): Promise<PruneResult> {
  const current = await currentImages(cacheRoot, options.env);
  const keep = (path: string) =>
    current.some((image) =>
      image.archive === undefined ? isArchiveOf(basename(path), image.image) : image.archive === path,
    );
  const removed: PrunedEntry[] = [];
  for (const archive of await listArchives(cacheRoot)) {
    const partial = /\.partial-(\d+)$/.exec(archive.path);
    if (partial) {
      // A save still being written by a live process is not a leftover.
      if (!isAlive(Number(partial[1])))
        removed.push({ path: archive.path, kind: 'interrupted save', bytes: archive.bytes });
    } else if (!keep(archive.path))
      removed.push({ path: archive.path, kind: 'image archive', bytes: archive.bytes });
  }
  for (const program of goPrograms()) removed.push(...(await staleBuilds(cacheRoot, program)));
  if (!options.dryRun) for (const entry of removed) await rm(entry.path, { recursive: true, force: true });
  return {
    dryRun: options.dryRun,
    removed,
    freedBytes: removed.reduce((sum, entry) => sum + entry.bytes, 0),
    current,
  };
}

/**
 * A program's builds other than the current one: other version directories, and in the current
 * version's directory everything but the current key and the wrapper module (earlier layouts put
 * the binaries straight into it). Only `v…` directories are a program's: kind keeps its engine's
 * data-root beside them.
 */
async function staleBuilds(cacheRoot: string, program: GoProgram): Promise<PrunedEntry[]> {
  const root = goProgramRoot(cacheRoot, program);
  const stale: PrunedEntry[] = [];
  for (const version of await entries(root)) {
    if (!/^v\d/.test(version)) continue;
    if (version !== program.version) {
      stale.push(await entry(join(root, version)));
      continue;
    }
    for (const name of await entries(join(root, version)))
      if (name !== goBuildKey(program) && name !== 'module')
        stale.push(await entry(join(root, version, name)));
  }
  return stale;
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

async function entry(path: string): Promise<PrunedEntry> {
  return { path, kind: 'go program', bytes: await diskUsage(path) };
}

/** The bytes of a file, or of everything under a directory (links counted as themselves). */
export async function diskUsage(path: string): Promise<number> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await entries(path)) total += await diskUsage(join(path, name));
  return total;
}

/** `1.5 GiB`, `320 MiB`, `12 KiB`, `800 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
