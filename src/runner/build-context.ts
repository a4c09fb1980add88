// The runner image's content hash: what Docker would be sent (the build context minus
// .dockerignore), the Dockerfile and the build arguments. Equal trees give equal tags, so an
// unchanged tree is never rebuilt (FR-010), and any change that could alter the image changes it.
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import picomatch from 'picomatch';

/** Bumped when the hash's recipe changes, so old tags are not mistaken for new ones. */
const HASH_RECIPE = 'incluster-runner-v2'; // v2: base image IDs are part of the hash

interface IgnoreRule {
  negated: boolean;
  match: (path: string) => boolean;
}

/** Docker's .dockerignore rules: `#` comments, `!` exceptions, `**`, the last matching rule wins. */
export class DockerIgnore {
  private readonly rules: IgnoreRule[];
  private readonly hasExceptions: boolean;

  constructor(text: string) {
    this.rules = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => {
        const negated = line.startsWith('!');
        const pattern = posix.normalize((negated ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
        return { negated, match: picomatch(pattern === '.' ? '**' : pattern, { dot: true }) };
      });
    this.hasExceptions = this.rules.some((r) => r.negated);
  }

  /** True when `path` (relative, `/`-separated) is left out of the context, itself or by a parent. */
  ignores(path: string): boolean {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of this.rules) if (prefixes.some((p) => rule.match(p))) ignored = !rule.negated;
    return ignored;
  }

  /** True when nothing under the ignored directory `path` can be re-included, so a walk may skip it. */
  prunes(path: string): boolean {
    return !this.hasExceptions && this.ignores(path);
  }
}

/** A file of the build context, as the hash sees it. */
export interface ContextEntry {
  /** Relative, `/`-separated. */
  path: string;
  /** `file`, `exec` (executable file) or `link`. */
  type: 'file' | 'exec' | 'link';
  /** sha256 of the content, or the link target. */
  digest: string;
}

/** Lists the files of `contextDir` that Docker would be sent, with their content digests, sorted. */
export async function contextEntries(contextDir: string): Promise<ContextEntry[]> {
  const ignoreText = await readFile(join(contextDir, '.dockerignore'), 'utf8').catch(() => '');
  const ignore = new DockerIgnore(ignoreText);
  const entries: ContextEntry[] = [];
  const walk = async (relDir: string): Promise<void> => {
    const names = (await readdir(join(contextDir, relDir))).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = join(contextDir, rel);
      const info = await lstat(abs);
      if (info.isDirectory()) {
        if (!ignore.prunes(rel)) await walk(rel);
        continue;
      }
      if (ignore.ignores(rel)) continue;
      const entry = await entryOf(abs, rel, info);
      if (entry) entries.push(entry);
    }
  };
  await walk('');
  return entries;
}

/** One file of `contextDir` as contextEntries lists it (without the ignore rules); undefined if none. */
export async function contextEntry(contextDir: string, path: string): Promise<ContextEntry | undefined> {
  const abs = join(contextDir, path);
  const info = await lstat(abs).catch(() => undefined);
  return info ? entryOf(abs, path, info) : undefined;
}

async function entryOf(
  abs: string,
  path: string,
  info: { isSymbolicLink(): boolean; isFile(): boolean; mode: number },
): Promise<ContextEntry | undefined> {
  if (info.isSymbolicLink()) return { path, type: 'link', digest: await readlink(abs) };
  if (info.isFile())
    return { path, type: info.mode & 0o111 ? 'exec' : 'file', digest: sha256(await readFile(abs)) };
  return undefined;
}

/**
 * The content hash of an image build: context entries, Dockerfile text, build arguments and the
 * base images' IDs (`image=id`, see base-images.ts).
 */
export function contentHash(
  entries: readonly ContextEntry[],
  dockerfile: string,
  buildArgs: Readonly<Record<string, string>> = {},
  baseImageIds: readonly string[] = [],
): string {
  const hash = createHash('sha256');
  hash.update(`${HASH_RECIPE}\n`);
  hash.update(`dockerfile ${sha256(dockerfile)}\n`);
  for (const base of baseImageIds) hash.update(`from ${JSON.stringify(base)}\n`);
  for (const [key, value] of Object.entries(buildArgs).sort(([a], [b]) => a.localeCompare(b)))
    hash.update(`arg ${JSON.stringify(key)}=${JSON.stringify(value)}\n`);
  for (const entry of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)))
    hash.update(`${entry.type} ${JSON.stringify(entry.path)} ${entry.digest}\n`);
  return hash.digest('hex');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
