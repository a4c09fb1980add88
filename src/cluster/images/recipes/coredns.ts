// registry.k8s.io/coredns/coredns:v<COREDNS_VERSION>, for both providers: CoreDNS built from the Go
// module proxy once per version (kept in the cache), alone in an image running as the distroless
// `nonroot` user like the official one. Binding port 53 unprivileged relies on containerd's
// enable_unprivileged_ports (host/containerd-config.ts).
import { chmod, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detailStatus, ensureGoProgram, goBuildKey, type GoProgram } from '../../host/go-build.ts';
import { COREDNS_VERSION } from '../../versions.ts';
import { importRootfs } from '../docker-cli.ts';
import { COREDNS_IMAGE } from '../names.ts';
import type { ImageRecipe, PrepareContext } from '../recipe.ts';
import { writeRootfsSkeleton, type RootfsUser } from './static-rootfs.ts';

/** CoreDNS as a Go program: a plain main module, so `go install` builds it (static, stripped). */
export const COREDNS_PROGRAM: GoProgram = {
  name: 'coredns',
  label: 'CoreDNS',
  version: `v${COREDNS_VERSION}`,
  binaries: { coredns: 'github.com/coredns/coredns' },
  source: { kind: 'install' },
  ldflags: '-s -w',
};

const USERS: RootfsUser[] = [
  { name: 'root', uid: 0, home: '/root', shell: '/sbin/nologin' },
  { name: 'nonroot', uid: 65532, home: '/home/nonroot', shell: '/sbin/nologin' },
];

/** The image's configuration. */
const CHANGES = ['USER 65532:65532', 'EXPOSE 53 53/udp', 'ENTRYPOINT ["/coredns"]'];

/** Returns the cached CoreDNS binary, building it the first time. */
async function corednsBinary(ctx: PrepareContext, progress?: (detail: string) => void): Promise<string> {
  const dir = await ensureGoProgram(COREDNS_PROGRAM, {
    cacheRoot: ctx.cacheRoot,
    env: ctx.env,
    signal: ctx.signal,
    status: detailStatus(progress),
  });
  return join(dir, 'coredns');
}

/** The CoreDNS image recipe: the program's build inputs, its users and the image's configuration. */
export const corednsRecipe: ImageRecipe = {
  image: COREDNS_IMAGE,
  definition: () => [goBuildKey(COREDNS_PROGRAM), JSON.stringify(USERS), ...CHANGES],
  // Compiling takes minutes on a cold machine: overlap it with the Debian image builds.
  prepare: async (ctx) => {
    await corednsBinary(ctx);
  },
  async build(ctx) {
    const binary = await corednsBinary(ctx, ctx.progress);
    const rootfs = join(ctx.workDir, 'rootfs');
    await writeRootfsSkeleton(rootfs, USERS);
    await copyFile(binary, join(rootfs, 'coredns'));
    await chmod(join(rootfs, 'coredns'), 0o755);
    await importRootfs(ctx.docker, rootfs, COREDNS_IMAGE, ctx.key, CHANGES, {
      workDir: ctx.workDir,
      signal: ctx.signal,
    });
  },
};
