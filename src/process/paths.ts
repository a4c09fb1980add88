// Whether a file is there, or can be run: the checks made before running a program or reusing a
// cached build. One place, so every caller treats "cannot tell" (a permission error) the same way.
import { access, constants } from 'node:fs/promises';

/** True when `path` exists (any kind of file). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` exists and may be executed. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
