// ghcr.io/astral-sh/uv:<version>, our equivalent: nothing but the static `/uv` and `/uvx`, as the
// official image is, for runner Dockerfiles to `COPY --from` it. The binaries come from PyPI's uv
// wheel for musl (statically linked, so it runs on any base), fetched once with pip and cached.
import { access, chmod, copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import { runCommand } from '../../../process/exec.ts';
import { UV_VERSION } from '../../versions.ts';
import { importRootfs } from '../docker-cli.ts';
import { UV_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';

/** The wheel's platform: musl builds of uv are static-pie executables. */
const WHEEL_PLATFORM = 'musllinux_1_1_x86_64';

/** The cached wheel, downloaded with `pip download` the first time. */
async function ensureUvWheel(
  cacheRoot: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string> {
  const dir = join(cacheRoot, 'uv-wheel', UV_VERSION);
  const wheel = join(dir, `uv-${UV_VERSION}-py3-none-${WHEEL_PLATFORM}.whl`);
  try {
    await access(wheel);
    return wheel;
  } catch {
    // not downloaded yet
  }
  await mkdir(dir, { recursive: true });
  try {
    await runCommand(
      'python3',
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--no-deps',
        '--only-binary=:all:',
        '--platform',
        WHEEL_PLATFORM,
        '--dest',
        dir,
        `uv==${UV_VERSION}`,
      ],
      { env, signal, cwd: dir, timeoutMs: 10 * 60_000 },
    );
    await access(wheel);
  } catch (error) {
    throw new InfrastructureError('UvDownloadFailed', `downloading uv ${UV_VERSION} from PyPI failed`, {
      cause: error,
      hint: 'the uv image is built from PyPI’s uv wheel with `python3 -m pip download`; check that pip reaches your package index',
    });
  }
  return wheel;
}

/** The programs the image holds, from the wheel's scripts directory. */
const PROGRAMS = ['uv', 'uvx'];

/** The image's configuration. */
const CHANGES = ['CMD ["/uv"]'];

/** The uv image recipe: the wheel of its version and platform, the programs taken from it, the configuration. */
export const uvRecipe: ImageRecipe = {
  image: UV_IMAGE,
  definition: () => [UV_VERSION, WHEEL_PLATFORM, PROGRAMS.join(' '), ...CHANGES],
  prepare: async (ctx) => {
    await ensureUvWheel(ctx.cacheRoot, ctx.env, ctx.signal);
  },
  async build(ctx) {
    ctx.progress(`uv ${UV_VERSION} from PyPI`);
    const wheel = await ensureUvWheel(ctx.cacheRoot, ctx.env, ctx.signal);
    const rootfs = join(ctx.workDir, 'rootfs');
    const unpacked = join(ctx.workDir, 'wheel');
    await mkdir(rootfs);
    // A wheel is a zip (Python's own zipfile command unpacks it); its scripts directory holds the programs.
    await runCommand('python3', ['-m', 'zipfile', '--extract', wheel, unpacked], { signal: ctx.signal });
    for (const name of PROGRAMS) {
      await copyFile(join(unpacked, `uv-${UV_VERSION}.data`, 'scripts', name), join(rootfs, name));
      await chmod(join(rootfs, name), 0o755);
    }
    await importRootfs(ctx.docker, rootfs, UV_IMAGE, ctx.key, CHANGES, {
      workDir: ctx.workDir,
      signal: ctx.signal,
    });
  },
};
