// A content-addressed cache of what each test file declares, so a trace after a small change parses
// only the files that changed. An entry is reused only when the file's text and the text of every
// module it imports (relative imports, followed transitively) hash as they did when it was
// written, and when the collector is the same version: a stale answer is worse than a slow one.
// The cache lives in node_modules/.cache/incluster, the conventional place for tools' caches that
// never belong in version control; without node_modules there is no cache.
import { hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bump when the layout of the cache file changes. */
const CACHE_FORMAT = 1;

/**
 * The collector's identity: a hash of its own modules (this folder), so any change to how files
 * are read, sources or build output alike, sets every entry aside without anyone bumping a number.
 */
export function collectorIdentity(): string {
  const dir = import.meta.dirname;
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f))
    .sort();
  return textHash(files.map((f) => `${f}\0${readFileSync(join(dir, f), 'utf8')}`).join('\0'));
}

interface CacheEntry<Result> {
  /** Hash of the test file's text. */
  hash: string;
  /** Every module the file imports, transitively (absolute path → hash of its text). */
  deps: Record<string, string>;
  result: Result;
}

interface CacheFile<Result> {
  format: number;
  /** The collector's identity: package version and format. */
  collector: string;
  /** The root the results' paths are relative to (node_modules may be shared through a link). */
  root: string;
  entries: Record<string, CacheEntry<Result>>;
}

/** The hash the cache compares: of the exact text the collector parsed. */
export function textHash(text: string): string {
  return hash('sha1', text);
}

/**
 * The cache of one root's collections; `lookup` before collecting a file, `store` after. `Result`
 * is what the collector makes of one file (JSON-serializable).
 */
export class CollectionCache<Result> {
  private readonly file: string;
  private readonly root: string;
  private readonly collector: string;
  private readonly entries: Map<string, CacheEntry<Result>>;
  private readonly fresh = new Map<string, CacheEntry<Result>>();
  private readonly depHashes = new Map<string, string | undefined>();
  private changed = false;

  private constructor(
    file: string,
    root: string,
    collector: string,
    entries: Map<string, CacheEntry<Result>>,
  ) {
    this.file = file;
    this.root = root;
    this.collector = collector;
    this.entries = entries;
  }

  /**
   * Opens the cache under `root`, or returns undefined when the root has no node_modules. A missing,
   * unreadable, corrupt or foreign cache file is an empty cache, never an error.
   */
  static open<Result>(root: string, collector = collectorIdentity()): CollectionCache<Result> | undefined {
    const modules = join(root, 'node_modules');
    if (!existsSync(modules)) return undefined;
    const file = join(modules, '.cache', 'incluster', 'trace-collection.json');
    const identity = `${collector}+${CACHE_FORMAT}`;
    let entries = new Map<string, CacheEntry<Result>>();
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as CacheFile<Result>;
      if (data.format === CACHE_FORMAT && data.collector === identity && data.root === root && data.entries)
        entries = new Map(Object.entries(data.entries));
    } catch {
      // no cache yet, or one we cannot read: collect everything
    }
    return new CollectionCache<Result>(file, root, identity, entries);
  }

  /** The cached collection of `path` if its text and every dependency are unchanged. */
  lookup(path: string, textHashValue: string): Result | undefined {
    const entry = this.entries.get(path);
    if (!entry || entry.hash !== textHashValue) return undefined;
    for (const [dep, expected] of Object.entries(entry.deps))
      if (this.currentHash(dep) !== expected) return undefined;
    this.fresh.set(path, entry);
    return entry.result;
  }

  /**
   * Records what `path` declares. `deps` are the absolute paths of the modules it imports,
   * transitively; `undefined` means they could not all be resolved, and the file is not cached.
   */
  store(path: string, textHashValue: string, deps: string[] | undefined, result: Result): void {
    this.changed = true;
    if (!deps) return;
    const depHashes: Record<string, string> = {};
    for (const dep of deps) {
      const current = this.currentHash(dep);
      if (current === undefined) return;
      depHashes[dep] = current;
    }
    this.fresh.set(path, { hash: textHashValue, deps: depHashes, result });
  }

  /**
   * Writes the entries of this collection (files no longer collected are dropped). A cache that
   * cannot be written is skipped: the trace's answer does not depend on it.
   */
  save(): void {
    if (!this.changed && this.fresh.size === this.entries.size) return;
    const data: CacheFile<Result> = {
      format: CACHE_FORMAT,
      collector: this.collector,
      root: this.root,
      entries: Object.fromEntries(this.fresh),
    };
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      // Written aside and renamed, so a concurrent trace never reads half a file.
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(data));
      renameSync(temporary, this.file);
    } catch {
      // read-only node_modules, full disk: the next trace collects again
    }
  }

  private currentHash(path: string): string | undefined {
    if (this.depHashes.has(path)) return this.depHashes.get(path);
    let value: string | undefined;
    try {
      value = textHash(readFileSync(path, 'utf8'));
    } catch {
      value = undefined;
    }
    this.depHashes.set(path, value);
    return value;
  }
}
