// How init writes into the user's repository: each file through a temporary file renamed into
// place (so no interrupt, however abrupt, leaves one half-written), after noting what was there
// before, so an interrupted init can put every file and directory back as it found them (FR-134).
import { replaceFile } from '../atomic-file.ts';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** What was at a path before init wrote it: its bytes and mode, or nothing. */
interface Before {
  path: string;
  content: Buffer | undefined;
  mode: number | undefined;
}

/** The writes of one init, in order, and how to take them back. */
export class WriteJournal {
  private readonly root: string;
  private readonly signal: AbortSignal | undefined;
  private readonly before: Before[] = [];
  /** Directories init created, outermost first. */
  private readonly createdDirs: string[] = [];

  constructor(root: string, signal?: AbortSignal) {
    this.root = root;
    this.signal = signal;
  }

  /** The paths written so far, relative to the root. */
  get written(): string[] {
    return this.before.map((entry) => relative(this.root, entry.path));
  }

  /** Writes `content` to `path` (relative to the root); refused once the signal is aborted. */
  async write(path: string, content: string): Promise<void> {
    this.signal?.throwIfAborted();
    const target = join(this.root, path);
    await this.makeParents(dirname(target));
    if (!this.before.some((entry) => entry.path === target)) {
      const previous = await readFile(target).catch(() => undefined);
      const mode = previous ? (await stat(target)).mode & 0o7777 : undefined;
      this.before.push({ path: target, content: previous, mode });
    }
    const entry = this.before.find((e) => e.path === target)!;
    await replaceFile(target, content, { mode: entry.mode });
  }

  /** Puts back every file as it was and removes the directories init created; returns the paths restored. */
  async undo(): Promise<string[]> {
    const restored: string[] = [];
    for (const entry of [...this.before].reverse()) {
      if (entry.content === undefined) await rm(entry.path, { force: true });
      else await replaceFile(entry.path, entry.content, { mode: entry.mode });
      restored.push(relative(this.root, entry.path));
    }
    for (const dir of [...this.createdDirs].reverse()) await rmdir(dir).catch(() => undefined);
    return restored.reverse();
  }

  private async makeParents(dir: string): Promise<void> {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d) && d !== dirname(d); d = dirname(d)) missing.unshift(d);
    if (missing.length === 0) return;
    await mkdir(dir, { recursive: true });
    this.createdDirs.push(...missing);
  }
}
