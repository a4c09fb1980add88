// A cached virtualenv in which pytest-incluster runs from this checkout's source: pytest and the
// plugin's dependencies installed (from the plugin's pyproject.toml, cached by their hash under
// ~/.cache/incluster), the plugin itself on PYTHONPATH, so every worktree runs its own plugin code.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../../../src/process/exec.ts';
import { PYTEST_VERSION, uvBinary } from './pytest-venv.ts';

const PLUGIN = join(import.meta.dirname, '../../../../python/pytest-incluster');

/** The interpreter, and the environment that puts the plugin's source on its path. */
export interface PluginPython {
  python: string;
  env: Record<string, string>;
}

/** The plugin's runtime dependencies, as its pyproject.toml lists them. */
async function pluginDependencies(): Promise<string[]> {
  const pyproject = await readFile(join(PLUGIN, 'pyproject.toml'), 'utf8');
  const list = /^dependencies = \[(.*?)^\]/ms.exec(pyproject)?.[1];
  if (!list) throw new Error(`no dependencies list in ${join(PLUGIN, 'pyproject.toml')}`);
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]!).filter((d) => !/^pytest\b/.test(d));
}

/** Makes the venv on first use; later calls return it at once. */
export async function pluginPython(): Promise<PluginPython> {
  const requirements = [`pytest==${PYTEST_VERSION}`, ...(await pluginDependencies())];
  const key = createHash('sha256').update(requirements.join('\n')).digest('hex').slice(0, 12);
  const cache = process.env.INCLUSTER_CACHE_DIR ?? join(homedir(), '.cache/incluster');
  const dir = join(cache, `pytest-incluster-deps-${key}`);
  const python = join(dir, 'bin/python');
  const env = { PYTHONPATH: join(PLUGIN, 'src') };
  if (existsSync(join(dir, '.incluster-complete'))) return { python, env };
  const uv = await uvBinary();
  await rm(dir, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  await runCommand(uv, ['venv', '--quiet', '--python', 'python3', dir]);
  await runCommand(uv, ['pip', 'install', '--quiet', ...requirements], {
    env: { ...process.env, VIRTUAL_ENV: dir },
    timeoutMs: 600_000,
  });
  await writeFile(join(dir, '.incluster-complete'), `${requirements.join('\n')}\n`);
  return { python, env };
}
