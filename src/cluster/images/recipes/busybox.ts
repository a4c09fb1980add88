// docker.io/library/busybox:1.35: Debian's static busybox and a link per applet in /bin, on an
// otherwise empty root filesystem (as the official image lays it out).
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import { runCommand } from '../../../process/exec.ts';
import { importRootfs } from '../docker-cli.ts';
import { BUSYBOX_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { isStaticElf, writeRootfsSkeleton, type RootfsUser } from './static-rootfs.ts';

/** Where Debian's busybox-static installs the binary. */
const BUSYBOX_BINARY = '/bin/busybox';

/** The applet names `busybox --list` printed, without the binary's own name. */
export function parseAppletList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name !== '' && name !== 'busybox' && !name.includes('/'));
}

async function staticBusybox(): Promise<Buffer> {
  let binary: Buffer;
  try {
    binary = await readFile(BUSYBOX_BINARY);
  } catch (error) {
    throw new InfrastructureError('BusyboxMissing', `${BUSYBOX_BINARY} is missing`, {
      cause: error,
      hint: 'install Debian’s busybox-static package (apt-get install busybox-static)',
    });
  }
  if (!isStaticElf(binary)) {
    throw new InfrastructureError(
      'BusyboxNotStatic',
      `${BUSYBOX_BINARY} is dynamically linked and cannot run alone in an image`,
      {
        hint: 'install Debian’s busybox-static package instead of busybox (apt-get install busybox-static)',
      },
    );
  }
  return binary;
}

const USERS: RootfsUser[] = [
  { name: 'root', uid: 0, home: '/root', shell: '/bin/sh' },
  { name: 'nobody', uid: 65534, home: '/home', shell: '/bin/false' },
];

/** The image's configuration. */
const CHANGES = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["sh"]'];

/** The busybox image recipe: the binary (by hash), its users, a link per applet, the configuration. */
export const busyboxRecipe: ImageRecipe = {
  image: BUSYBOX_IMAGE,
  definition: async () => [
    createHash('sha256')
      .update(await staticBusybox())
      .digest('hex'),
    JSON.stringify(USERS),
    'a link in /bin for each applet of `busybox --list`',
    ...CHANGES,
  ],
  async build(ctx) {
    await staticBusybox();
    const rootfs = join(ctx.workDir, 'rootfs');
    await writeRootfsSkeleton(rootfs, USERS);
    await mkdir(join(rootfs, 'bin'));
    await copyFile(BUSYBOX_BINARY, join(rootfs, 'bin', 'busybox'));
    await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
    const list = await runCommand(BUSYBOX_BINARY, ['--list'], { signal: ctx.signal });
    const applets = parseAppletList(list.stdout);
    ctx.progress(`${applets.length} applets`);
    for (const applet of applets) await symlink('busybox', join(rootfs, 'bin', applet));
    await importRootfs(ctx.docker, rootfs, BUSYBOX_IMAGE, ctx.key, CHANGES, {
      workDir: ctx.workDir,
      signal: ctx.signal,
    });
  },
};
