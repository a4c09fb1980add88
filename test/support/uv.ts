// uv for tests that act as a Python user: the same cached bootstrap python/pytest-incluster/ci.sh
// makes (uv from PyPI into a virtualenv of its own, never into the system Python).
import { access, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/process/exec.ts';

export const UV_VERSION = '0.13.9';

/** The directory holding a `uv` binary of UV_VERSION, installing it the first time. */
export async function uvBinDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const cache = join(env.INCLUSTER_CACHE_DIR ?? join(homedir(), '.cache/incluster'), `uv-${UV_VERSION}`);
  const bin = join(cache, 'bin');
  try {
    await access(join(bin, 'uv'));
    return bin;
  } catch {
    // not bootstrapped yet
  }
  const staging = `${cache}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await runCommand('python3', ['-m', 'venv', staging], { timeoutMs: 120_000 });
  await runCommand(
    join(staging, 'bin/python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `uv==${UV_VERSION}`],
    { timeoutMs: 300_000 },
  );
  await rm(cache, { recursive: true, force: true });
  await rename(staging, cache);
  return bin;
}
