// Secret values a test worker learns (the postgres fixture reading its Secret, any Secret read through
// incluster's kube client) must reach the redaction in the Vitest main process, which sees the
// worker's console output and errors only after they left the worker. Every channel Vitest offers
// between the two (console, task meta, annotations) is one that reporters print, so the values go
// through a private file instead: created by the main process in a 0700 directory, named to the
// workers by an environment variable, appended to synchronously (so a value is on disk before the
// worker can print it), and deleted when the main process exits.
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redactor } from './redactor.ts';

/** The variable that names the relay file to the workers (and the processes they start). */
export const SECRET_RELAY_ENV = 'INCLUSTER_SECRET_RELAY';

/** The main process's end of the relay: the file, and what of it was already read. */
export class SecretRelay {
  readonly path: string;
  private readonly dir: string;
  private offset = 0;
  private partial = '';

  private constructor(dir: string) {
    this.dir = dir;
    this.path = join(dir, 'values');
    writeFileSync(this.path, '', { mode: 0o600 });
  }

  /**
   * Creates the relay file in a private temporary directory; undefined when that is impossible.
   * First removes the relays of runs that died without closing theirs (SIGKILL): secret values
   * must not outlive the run that needed them.
   */
  static open(parent = tmpdir()): SecretRelay | undefined {
    removeOrphanedRelays(parent);
    try {
      return new SecretRelay(mkdtempSync(join(parent, `${RELAY_PREFIX}${process.pid}-`)));
    } catch {
      return undefined; // a read-only /tmp costs the worker-learned values, never the run
    }
  }

  /** Adds every value appended since the last call to `redactor`; cheap when nothing was appended. */
  drainInto(redactor: Redactor): void {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return;
    }
    if (size <= this.offset) return;
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.partial + buffer.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line) redactor.add(Buffer.from(line, 'base64').toString('utf8'));
  }

  /** Deletes the file and its directory. */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const RELAY_PREFIX = 'incluster-secrets-';

/** Deletes relay directories whose process (the pid in their name) no longer runs. */
function removeOrphanedRelays(parent: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = Number(/^incluster-secrets-(\d+)-/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // someone else's directory we may not touch: not ours to clean
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Redactors already relaying in this process; global, so a re-evaluated module does not subscribe twice. */
const relaying: WeakSet<Redactor> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('incluster.secret-relay')
] ??= new WeakSet<Redactor>()) as WeakSet<Redactor>;

/** The worker's end: appends every value `redactor` knows or learns to the relay file named in `env`. */
export function relayLearnedSecrets(redactor: Redactor, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = env[SECRET_RELAY_ENV];
  if (!path || relaying.has(redactor)) return false;
  relaying.add(redactor);
  redactor.onLearn((value) => {
    try {
      // One base64 line per value: values may hold newlines; one small append is one write.
      appendFileSync(path, `${Buffer.from(value, 'utf8').toString('base64')}\n`);
    } catch {
      // The main process is gone or never made the file: nothing is left to protect there.
    }
  });
  return true;
}
