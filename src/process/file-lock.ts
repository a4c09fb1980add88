// A lock file beside a file several programs rewrite (a kubeconfig): `<file>.lock`, created with
// O_CREAT|O_EXCL as client-go (kubectl) and kind create theirs, so incluster, kubectl and kind
// never rewrite the file at the same time. Waiting watches the directory for the lock's removal.
import { watch } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { InfrastructureError } from '../errors.ts';

/** How long to wait for another program's lock before giving up; default 30 s. */
export interface LockOptions {
  timeoutMs?: number;
}

/** Runs `work` holding `<file>.lock`; the lock is removed afterwards, also when `work` throws. */
export async function withFileLock<T>(
  file: string,
  work: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!(await lockRemoved(lock, deadline - Date.now())))
        throw new InfrastructureError(
          'FileLocked',
          `${file} is locked by another program (${lock} exists for over ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s)`,
          { hint: `if no kubectl, kind or incluster is writing it, remove ${lock}` },
        );
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/** Resolves true once `lock` is gone (watching its directory), false when `ms` ran out first. */
function lockRemoved(lock: string, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const name = basename(lock);
    const watcher = watch(dirname(lock), (_event, changed) => {
      if (changed === null || changed === name) void check();
    });
    const timer = setTimeout(() => finish(false), ms);
    const finish = (removed: boolean) => {
      clearTimeout(timer);
      watcher.close();
      resolve(removed);
    };
    // The lock may have gone between the failed create and the watch starting.
    const check = async () => {
      const handle = await open(lock, 'r').catch(() => undefined);
      if (!handle) finish(true);
      else await handle.close();
    };
    void check();
  });
}
