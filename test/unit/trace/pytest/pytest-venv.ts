// A virtualenv with pytest for the corpus's oracle, cached by version under ~/.cache/incluster. uv
// comes from PATH or from the bootstrap python/pytest-incluster/ci.sh makes (uv from PyPI into its
// own venv, never into the system Python).
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../../../src/process/exec.ts';

/** The pytest the corpus compares with; a newer pytest is a deliberate bump of this constant. */
export const PYTEST_VERSION = '9.2.0';
// The same as python/pytest-incluster/ci.sh.
const UV_VERSION = '0.13.9';

function cacheDir(): string {
  return process.env.INCLUSTER_CACHE_DIR ?? join(homedir(), '.cache/incluster');
}

/** True when python3 runs; the only reason the corpus may skip. */
export async function hasPython3(): Promise<boolean> {
  const result = await runCommand('python3', ['--version'], { allowFailure: true }).catch(() => undefined);
  return result?.exitCode === 0;
}

/** uv from PATH, else the bootstrap venv python/pytest-incluster/ci.sh makes (made here when missing). */
export async function uvBinary(): Promise<string> {
  const onPath = await runCommand('uv', ['--version'], { allowFailure: true }).catch(() => undefined);
  if (onPath?.exitCode === 0) return 'uv';
  const dir = join(cacheDir(), `uv-${UV_VERSION}`);
  const uv = join(dir, 'bin/uv');
  if (existsSync(uv)) return uv;
  const staging = `${dir}.tmp-${process.pid}`;
  await runCommand('python3', ['-m', 'venv', staging]);
  await runCommand(join(staging, 'bin/python'), [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `uv==${UV_VERSION}`,
  ]);
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return uv;
}

/** The python of a cached venv with pytest installed, made on first use. */
export async function pytestPython(): Promise<string> {
  const dir = join(cacheDir(), `pytest-${PYTEST_VERSION}`);
  const python = join(dir, 'bin/python');
  const complete = join(dir, '.incluster-complete');
  if (existsSync(complete)) return python;
  const uv = await uvBinary();
  await rm(dir, { recursive: true, force: true });
  await mkdir(cacheDir(), { recursive: true });
  await runCommand(uv, ['venv', '--quiet', '--python', 'python3', dir]);
  await runCommand(uv, ['pip', 'install', '--quiet', `pytest==${PYTEST_VERSION}`], {
    env: { ...process.env, VIRTUAL_ENV: dir },
  });
  await writeFile(complete, `pytest ${PYTEST_VERSION}\n`);
  return python;
}
