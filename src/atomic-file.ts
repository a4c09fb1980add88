// Replacing a file that others may read at the same moment (a kubeconfig concurrent runs read, a
// timings file a CI cache saves): the content goes to a temporary file beside the target, renamed
// over it, so a reader sees the old file or the new one, never a half-written or empty one. The
// temporary name is unique per write, so concurrent writers never share one.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `content` to `target` through a rename; `mode` sets the new file's permissions. */
export async function replaceFile(
  target: string,
  content: string | Buffer,
  options: { mode?: number } = {},
): Promise<void> {
  const temporary = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, content, options.mode === undefined ? {} : { mode: options.mode });
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
}
