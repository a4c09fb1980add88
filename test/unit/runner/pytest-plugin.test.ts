import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { dependencyKey } from '../../../src/runner/image.ts';
import {
  PYTEST_PLUGIN_DIR,
  stagedPluginDigest,
  stagePytestPlugin,
} from '../../../src/runner/pytest-plugin.ts';

/** A package root with a plugin folder, as the npm package ships it (plus what it must not copy). */
async function packageRoot(version = '0.1.0'): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'incluster-pkg-'));
  const plugin = join(root, 'python/pytest-incluster');
  await mkdir(join(plugin, 'src/pytest_incluster/__pycache__'), { recursive: true });
  await mkdir(join(plugin, '.venv/bin'), { recursive: true });
  await mkdir(join(plugin, 'tests'), { recursive: true });
  await writeFile(
    join(plugin, 'pyproject.toml'),
    `[project]\nname = "pytest-incluster"\nversion = "${version}"\n`,
  );
  await writeFile(join(plugin, 'README.md'), '# plugin\n');
  await writeFile(join(plugin, 'LICENSE'), 'Apache License\n');
  await writeFile(join(plugin, 'src/pytest_incluster/plugin.py'), 'X = 1\n');
  await writeFile(join(plugin, 'src/pytest_incluster/__pycache__/plugin.cpython-311.pyc'), 'bytecode');
  await writeFile(join(plugin, '.venv/bin/python'), 'not copied');
  await writeFile(join(plugin, 'tests/test_x.py'), 'not copied');
  return root;
}

const INSTALLS = `FROM python\nCOPY ${PYTEST_PLUGIN_DIR} /opt/pytest-incluster\n`;

describe('the pytest plugin in the build context', { tags: ['001-FR-112'] }, () => {
  test('is staged only when the Dockerfile installs it, without venv, tests or bytecode', async () => {
    const pkg = await packageRoot();
    const context = await mkdtemp(join(tmpdir(), 'incluster-ctx-'));
    expect(await stagePytestPlugin(context, 'FROM node\nCOPY . .\n', pkg)).toBe(false);
    expect(await readdir(context)).toEqual([]);
    expect(await stagePytestPlugin(context, INSTALLS, pkg)).toBe(true);
    const staged = join(context, PYTEST_PLUGIN_DIR);
    expect((await readdir(staged, { recursive: true })).sort()).toEqual([
      'LICENSE',
      'README.md',
      'pyproject.toml',
      'src',
      'src/pytest_incluster',
      'src/pytest_incluster/plugin.py',
    ]);
  });

  test('replaces a stale copy whole, and its digest follows the content', async () => {
    const context = await mkdtemp(join(tmpdir(), 'incluster-ctx-'));
    expect(await stagedPluginDigest(context)).toBe('');
    await stagePytestPlugin(context, INSTALLS, await packageRoot('0.1.0'));
    await writeFile(join(context, PYTEST_PLUGIN_DIR, 'src/pytest_incluster/removed.py'), 'old');
    const before = await stagedPluginDigest(context);
    await stagePytestPlugin(context, INSTALLS, await packageRoot('0.2.0'));
    await expect(
      readFile(join(context, PYTEST_PLUGIN_DIR, 'src/pytest_incluster/removed.py')),
    ).rejects.toThrow();
    const after = await stagedPluginDigest(context);
    expect(after).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toBe(before);
  });

  test('a new plugin changes the dependency key, so the old image is never reused by a sync', async () => {
    const context = await mkdtemp(join(tmpdir(), 'incluster-ctx-'));
    await writeFile(join(context, 'Dockerfile'), INSTALLS);
    await writeFile(join(context, 'uv.lock'), 'version = 1\n');
    const options = {
      contextDir: context,
      dockerfile: join(context, 'Dockerfile'),
      repository: 'incluster-runner',
      baseImageId: () => Promise.resolve('sha256:base'),
    };
    await stagePytestPlugin(context, INSTALLS, await packageRoot('0.1.0'));
    const first = await dependencyKey(options);
    expect(await dependencyKey(options)).toBe(first);
    await stagePytestPlugin(context, INSTALLS, await packageRoot('0.2.0'));
    expect(await dependencyKey(options)).not.toBe(first);
  });

  test('a Dockerfile that needs the plugin fails clearly when this incluster ships none', async () => {
    const context = await mkdtemp(join(tmpdir(), 'incluster-ctx-'));
    const empty = await mkdtemp(join(tmpdir(), 'incluster-pkg-'));
    await expect(stagePytestPlugin(context, INSTALLS, empty)).rejects.toThrow(/has none at/);
  });
});
