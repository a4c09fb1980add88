// The pytest plugin ships inside incluster's npm package (python/pytest-incluster), and a pytest
// runner image installs it from the build context, so no user has to publish or vendor it. Before
// building, `run` copies it to PYTEST_PLUGIN_DIR of the context when the runner Dockerfile refers to
// that directory; the copy is generated (init adds it to .gitignore) and part of the content hash,
// so upgrading incluster rebuilds the image with the new plugin.
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.ts';
import { InfrastructureError } from '../errors.ts';
import { pathExists } from '../process/paths.ts';

/** Where the plugin is staged, relative to the build context; the Python runner Dockerfile COPYs it. */
export const PYTEST_PLUGIN_DIR = '.incluster-plugins/pytest-incluster';

/**
 * What of the plugin's folder an install needs: its metadata, licence (pyproject.toml names it, so
 * the build fails without it) and sources, not its venv or tests.
 */
const PLUGIN_FILES = ['pyproject.toml', 'README.md', 'LICENSE', 'src'] as const;

/**
 * Stages the plugin into `contextDir` when `dockerfile` (its text) refers to PYTEST_PLUGIN_DIR;
 * returns whether it did.
 */
export async function stagePytestPlugin(
  contextDir: string,
  dockerfile: string,
  packageRoot: string = PACKAGE_ROOT,
): Promise<boolean> {
  if (!dockerfile.includes(PYTEST_PLUGIN_DIR)) return false;
  const source = join(packageRoot, 'python', 'pytest-incluster');
  const target = join(contextDir, PYTEST_PLUGIN_DIR);
  if (!(await pathExists(join(source, 'pyproject.toml'))))
    throw new InfrastructureError(
      'PytestPluginMissing',
      `the runner Dockerfile installs the pytest plugin from ${PYTEST_PLUGIN_DIR}, but this incluster has none at ${source}`,
      { hint: 'reinstall incluster (its package ships python/pytest-incluster)' },
    );
  // Replaced whole: a file the new plugin no longer has must not linger in the image.
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  for (const name of PLUGIN_FILES)
    await cp(join(source, name), join(target, name), {
      recursive: true,
      filter: (path) => !/(^|\/)(__pycache__|\.pytest_cache|.*\.egg-info)(\/|$)/.test(path),
    });
  return true;
}

/**
 * A digest of the staged plugin ('' when none): part of the dependency key, because the plugin is
 * installed in the dependency layer, so a new plugin must not be synced into an image built with the old.
 */
export async function stagedPluginDigest(contextDir: string): Promise<string> {
  const dir = join(contextDir, PYTEST_PLUGIN_DIR);
  let names: string[];
  try {
    names = (await readdir(dir, { recursive: true })).sort();
  } catch {
    return '';
  }
  const hash = createHash('sha256');
  for (const name of names) {
    const content = await readFile(join(dir, name)).catch(() => undefined); // directories have none
    if (content) hash.update(`${name}\0`).update(content);
  }
  return hash.digest('hex');
}
