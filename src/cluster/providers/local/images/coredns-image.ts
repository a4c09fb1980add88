// registry.k8s.io/coredns/coredns:v<COREDNS_VERSION>: CoreDNS built from the Go module proxy once per
// version (kept in the cache), alone in an image running as the distroless `nonroot` user like the
// official one. Binding port 53 unprivileged relies on containerd's enable_unprivileged_ports.
import { access, chmod, copyFile, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { InfrastructureError } from '../../../../errors.ts';
import { isOnPath, runCommand } from '../../../../process/exec.ts';
import { importRootfs } from './docker-cli.ts';
import { COREDNS_IMAGE, COREDNS_VERSION } from './image-names.ts';
import { moduleText, type ImageRecipe } from './recipe.ts';
import { writeRootfsSkeleton } from './static-rootfs.ts';

/** The Go package CoreDNS is installed from. */
const COREDNS_MODULE = 'github.com/coredns/coredns';

/** Where the CoreDNS binary of `version` is cached. */
export function corednsBinDir(cacheRoot: string, version: string = COREDNS_VERSION): string {
  return join(cacheRoot, 'coredns', `v${version}`);
}

/** `go install` arguments for CoreDNS `version`: a static, stripped, reproducible build. */
export function corednsInstallArgs(version: string = COREDNS_VERSION): string[] {
  return ['install', '-trimpath', '-ldflags=-s -w', `${COREDNS_MODULE}@v${version}`];
}

/** Returns the cached CoreDNS binary, building it with `go install` the first time. */
async function ensureCorednsBinary(
  cacheRoot: string,
  env: NodeJS.ProcessEnv,
  options: { signal?: AbortSignal; progress?: (detail: string) => void } = {},
): Promise<string> {
  const dir = corednsBinDir(cacheRoot);
  const binary = join(dir, 'coredns');
  try {
    await access(binary, constants.X_OK);
    return binary;
  } catch {
    // not built yet
  }
  const goEnv = { ...env, CGO_ENABLED: '0', GOBIN: dir };
  if (!(await isOnPath('go', goEnv))) {
    throw new InfrastructureError(
      'GoMissing',
      `building CoreDNS v${COREDNS_VERSION} needs Go, and \`go\` is not on PATH`,
      {
        hint: `install Go (1.22 or newer), or put a CoreDNS v${COREDNS_VERSION} binary at ${binary}`,
      },
    );
  }
  await mkdir(dir, { recursive: true });
  options.progress?.(`go install ${COREDNS_MODULE}@v${COREDNS_VERSION} (once; cached in ${dir})`);
  try {
    await runCommand('go', corednsInstallArgs(), { env: goEnv, signal: options.signal });
  } catch (error) {
    throw new InfrastructureError('CorednsBuildFailed', `building CoreDNS v${COREDNS_VERSION} failed`, {
      cause: error,
    });
  }
  return binary;
}

/** The CoreDNS image recipe. */
export const corednsRecipe: ImageRecipe = {
  image: COREDNS_IMAGE,
  definition: async () => [
    COREDNS_VERSION,
    corednsInstallArgs().join(' '),
    await moduleText(import.meta.url),
  ],
  // Compiling takes minutes on a cold machine: overlap it with the Debian image builds.
  prepare: async (ctx) => {
    await ensureCorednsBinary(ctx.cacheRoot, ctx.env, { signal: ctx.signal });
  },
  async build(ctx) {
    const binary = await ensureCorednsBinary(ctx.cacheRoot, ctx.env, {
      signal: ctx.signal,
      progress: ctx.progress,
    });
    const rootfs = join(ctx.workDir, 'rootfs');
    await writeRootfsSkeleton(rootfs, [
      { name: 'root', uid: 0, home: '/root', shell: '/sbin/nologin' },
      { name: 'nonroot', uid: 65532, home: '/home/nonroot', shell: '/sbin/nologin' },
    ]);
    await copyFile(binary, join(rootfs, 'coredns'));
    await chmod(join(rootfs, 'coredns'), 0o755);
    await importRootfs(
      ctx.docker,
      rootfs,
      COREDNS_IMAGE,
      ctx.key,
      ['USER 65532:65532', 'EXPOSE 53 53/udp', 'ENTRYPOINT ["/coredns"]'],
      { workDir: ctx.workDir, signal: ctx.signal },
    );
  },
};
