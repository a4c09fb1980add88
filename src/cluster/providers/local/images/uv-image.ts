// ghcr.io/astral-sh/uv:<version>, our equivalent: nothing but the static `/uv` and `/uvx`, as the
// official image is, for runner Dockerfiles to `COPY --from` it. The binaries come from PyPI's uv
// wheel for musl (statically linked, so it runs on any base), fetched once with pip and cached.
import { access, chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../../errors.ts';
import { runCommand } from '../../../../process/exec.ts';
import { importRootfs } from './docker-cli.ts';
import { UV_IMAGE, UV_VERSION } from './image-names.ts';
import { moduleText, type ImageRecipe } from './recipe.ts';

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

/** The uv image recipe. */
export const uvRecipe: ImageRecipe = {
  image: UV_IMAGE,
  definition: async () => [UV_VERSION, WHEEL_PLATFORM, await moduleText(import.meta.url)],
  prepare: async (ctx) => {
    await ensureUvWheel(ctx.cacheRoot, ctx.env, ctx.signal);
  },
  async build(ctx) {
    ctx.progress(`uv ${UV_VERSION} from PyPI`);
    const wheel = await ensureUvWheel(ctx.cacheRoot, ctx.env, ctx.signal);
    const rootfs = join(ctx.workDir, 'rootfs');
    await mkdir(rootfs);
    // A wheel is a zip; its scripts directory holds the two binaries.
    await runCommand(
      'python3',
      [
        '-c',
        'import sys, zipfile\n' +
          'wheel, version, out = sys.argv[1:]\n' +
          'with zipfile.ZipFile(wheel) as z:\n' +
          '    for name in ("uv", "uvx"):\n' +
          '        with open(f"{out}/{name}", "wb") as f:\n' +
          '            f.write(z.read(f"uv-{version}.data/scripts/{name}"))\n',
        wheel,
        UV_VERSION,
        rootfs,
      ],
      { signal: ctx.signal },
    );
    for (const name of await readdir(rootfs)) await chmod(join(rootfs, name), 0o755);
    await importRootfs(ctx.docker, rootfs, UV_IMAGE, ctx.key, ['CMD ["/uv"]'], {
      workDir: ctx.workDir,
      signal: ctx.signal,
    });
  },
};
