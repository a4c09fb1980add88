// The Debian base the node and postgres images are built FROM: bookworm minbase made with
// debootstrap from this machine's configured mirror, slimmed like the official -slim images.
// It stays in Docker (and the cache) only; the cluster never runs it.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../process/exec.ts';
import { DEBIAN_SUITE } from '../../versions.ts';
import { importRootfs } from '../docker-cli.ts';
import { DEBIAN_BASE_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceFile } from '../../../source-files.ts';
import { debianMirror, imageSourcesList } from './debian-mirror.ts';

/** Packages added to minbase: TLS roots, which both the node and the postgres images want. */
const DEBIAN_BASE_INCLUDE = ['ca-certificates'];

/** dpkg rules that keep documentation and translations out of later `apt-get install`s. */
const SLIM_DPKG_EXCLUDES = sourceFile(import.meta.url, 'debian-base/dpkg-slim.cfg');

/** apt rules for images: no recommends, no downloaded packages left behind. */
const IMAGE_APT_CONFIG = sourceFile(import.meta.url, 'debian-base/apt-image.conf');

/** debootstrap arguments for a minbase `suite` root filesystem in `target`. */
export function debootstrapArgs(suite: string, target: string, mirror: string): string[] {
  return [
    '--variant=minbase',
    `--include=${DEBIAN_BASE_INCLUDE.join(',')}`,
    '--components=main',
    suite,
    target,
    mirror,
  ];
}

/** debootstrap's progress lines that name a stage rather than a package. */
export const DEBOOTSTRAP_STAGE =
  /^I: \w+ (dependencies of )?(required|core|base|the base) (packages|system)\.\.\.$/;

/** Paths (relative to the root filesystem) removed after debootstrap: caches, host files, docs. */
export const ROOTFS_LEFTOVERS = [
  'etc/hostname',
  'etc/resolv.conf',
  'var/cache/apt/archives',
  'var/cache/apt/pkgcache.bin',
  'var/cache/apt/srcpkgcache.bin',
  'var/lib/apt/lists',
  'var/log/bootstrap.log',
  'usr/share/man',
  'usr/share/info',
];

/** The image's configuration. */
const CHANGES = [
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'ENV LANG=C.UTF-8',
  'CMD ["bash"]',
];

/**
 * The Debian base image recipe: the release, debootstrap's arguments, what is removed after it,
 * the apt and dpkg rules written into it, and the image's configuration. The mirror is the
 * machine's (not part of the key): every mirror serves the same release.
 */
export const debianBaseRecipe: ImageRecipe = {
  image: DEBIAN_BASE_IMAGE,
  definition: () => [
    DEBIAN_SUITE,
    debootstrapArgs(DEBIAN_SUITE, 'ROOTFS', 'MIRROR').join(' '),
    ROOTFS_LEFTOVERS.join(' '),
    imageSourcesList({ archive: 'MIRROR', security: 'SECURITY' }, DEBIAN_SUITE),
    SLIM_DPKG_EXCLUDES,
    IMAGE_APT_CONFIG,
    ...CHANGES,
  ],
  async build(ctx) {
    const mirror = await debianMirror(ctx.env);
    const rootfs = join(ctx.workDir, 'rootfs');
    ctx.progress(`debootstrap ${DEBIAN_SUITE} (minbase) from ${mirror.archive}`);
    await runCommand('debootstrap', debootstrapArgs(DEBIAN_SUITE, rootfs, mirror.archive), {
      signal: ctx.signal,
      env: { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' },
      onLine: (line) => {
        // Only the stages, not the hundreds of per-package lines.
        if (DEBOOTSTRAP_STAGE.test(line)) ctx.progress(line.slice(3));
      },
    });
    for (const leftover of ROOTFS_LEFTOVERS)
      await rm(join(rootfs, leftover), { recursive: true, force: true });
    await mkdir(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    await mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
    await writeFile(join(rootfs, 'etc/apt/sources.list'), imageSourcesList(mirror, DEBIAN_SUITE));
    await writeFile(join(rootfs, 'etc/dpkg/dpkg.cfg.d/incluster-slim'), SLIM_DPKG_EXCLUDES);
    await writeFile(join(rootfs, 'etc/apt/apt.conf.d/incluster-image'), IMAGE_APT_CONFIG);
    ctx.progress('docker import');
    await importRootfs(ctx.docker, rootfs, DEBIAN_BASE_IMAGE, ctx.key, CHANGES, {
      workDir: ctx.workDir,
      signal: ctx.signal,
    });
  },
};
