// Extracting a tar stream from a pod we do not trust (FR-050): nothing may land outside the target
// directory, no device or fifo is created, links may not point out, and the total size is capped.
// What is refused is reported, not silently dropped.
import { link, lstat, mkdir, open, symlink, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';

/** Limits of a safe extraction. */
export interface ExtractOptions {
  /** Total bytes of file content allowed; default 512 MiB. */
  maxBytes?: number;
  /** Entries allowed; default 100 000. */
  maxEntries?: number;
}

/** An entry refused, with why. */
export interface RejectedEntry {
  path: string;
  reason: string;
}

/** What was extracted and what was refused. */
export interface ExtractResult {
  /** Paths extracted, relative to the target. */
  files: string[];
  rejected: RejectedEntry[];
  bytes: number;
}

/** Extracts `source` (a tar stream) under `targetDir`, refusing hostile entries and reporting them. */
export async function extractTarSafely(
  source: Readable,
  targetDir: string,
  options: ExtractOptions = {},
): Promise<ExtractResult> {
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 100_000;
  const root = resolve(targetDir);
  await mkdir(root, { recursive: true });
  const result: ExtractResult = { files: [], rejected: [], bytes: 0 };
  let entries = 0;
  const tar = extract();
  source.on('error', (error) => tar.destroy(error));
  source.pipe(tar);
  for await (const entry of tar) {
    entries += 1;
    const verdict = await extractEntry(entry as unknown as Entry, root, result, {
      maxBytes,
      entriesSoFar: entries,
      maxEntries,
    });
    if (verdict) result.rejected.push({ path: entry.header.name, reason: verdict });
    // Whatever was not consumed (rejected entries, links, directories) must be drained to reach the next.
    entry.resume();
  }
  return result;
}

type Entry = AsyncIterable<Buffer> & { header: Header; resume(): unknown };

/** Extracts one entry; returns why it was refused, or undefined. */
async function extractEntry(
  entry: Entry,
  root: string,
  result: ExtractResult,
  limits: { maxBytes: number; entriesSoFar: number; maxEntries: number },
): Promise<string | undefined> {
  const { header } = entry;
  const name = header.name;
  if (limits.entriesSoFar > limits.maxEntries) return `more than ${limits.maxEntries} entries`;
  const problem = pathProblem(name);
  if (problem) return problem;
  const destination = resolve(root, name);
  const rel = relative(root, destination);
  if (rel === '' && header.type === 'directory') return undefined;
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return 'resolves outside the target directory';
  if (await throughSymlink(root, destination)) return 'its parent directory is a symlink';
  switch (header.type) {
    case 'directory':
      await mkdir(destination, { recursive: true, mode: 0o755 });
      return undefined;
    case 'file':
    case 'contiguous-file': {
      const size = header.size ?? 0;
      if (result.bytes + size > limits.maxBytes) return `exceeds the size cap of ${limits.maxBytes} bytes`;
      if (await exists(destination)) return 'a file of that name was already extracted';
      await mkdir(dirname(destination), { recursive: true });
      // Never keep set-uid/set-gid/sticky bits, never make files writable by others.
      const mode = (header.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
      const file = await open(destination, 'wx', mode);
      let written = 0;
      try {
        for await (const chunk of entry) {
          written += chunk.length;
          // The header's size is what tar promised; refuse a stream that sends more.
          if (result.bytes + written > limits.maxBytes) break;
          await file.write(chunk);
        }
      } finally {
        await file.close();
      }
      if (result.bytes + written > limits.maxBytes) {
        await unlink(destination);
        return `exceeds the size cap of ${limits.maxBytes} bytes`;
      }
      result.bytes += written;
      result.files.push(rel);
      return undefined;
    }
    case 'symlink': {
      const target = header.linkname ?? '';
      if (!target || isAbsolute(target)) return `symlink to absolute path ${target}`;
      const resolved = resolve(dirname(destination), target);
      if (!inside(root, resolved)) return `symlink escapes the target directory (-> ${target})`;
      if (await exists(destination)) return 'a file of that name was already extracted';
      await mkdir(dirname(destination), { recursive: true });
      await symlink(target, destination);
      result.files.push(rel);
      return undefined;
    }
    case 'link': {
      const target = header.linkname ?? '';
      const problemOfTarget = pathProblem(target);
      if (problemOfTarget) return `hard link to ${target}: ${problemOfTarget}`;
      const resolved = resolve(root, target);
      if (!inside(root, resolved)) return `hard link escapes the target directory (-> ${target})`;
      if (await throughSymlink(root, resolved)) return `hard link to ${target} goes through a symlink`;
      const info = await lstat(resolved).catch(() => undefined);
      if (!info?.isFile()) return `hard link to ${target}, which is not a file extracted here`;
      if (await exists(destination)) return 'a file of that name was already extracted';
      await mkdir(dirname(destination), { recursive: true });
      await link(resolved, destination);
      result.files.push(rel);
      return undefined;
    }
    default:
      return `${String(header.type)} entries are not extracted`;
  }
}

/** Why an entry name is unacceptable as written, or undefined. */
export function pathProblem(name: string): string | undefined {
  if (name.includes('\0')) return 'name contains a NUL byte';
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) return 'absolute path';
  if (name.split(/[\\/]/).includes('..')) return 'path contains ..';
  return undefined;
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/** True when some directory between root and the entry is a symlink (writing would follow it). */
async function throughSymlink(root: string, destination: string): Promise<boolean> {
  let current = root;
  for (const part of relative(root, dirname(destination)).split(sep).filter(Boolean)) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) return false;
    if (info.isSymbolicLink()) return true;
  }
  return false;
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined)) !== undefined;
}
