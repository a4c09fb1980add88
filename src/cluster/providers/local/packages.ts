// Installs the Debian packages the local cluster needs, only those whose commands are missing.
import { InfrastructureError } from '../../../errors.ts';
import { isOnPath, runCommand } from '../../../process/exec.ts';
import type { Status } from '../../../progress/status.ts';
import { pathExists } from '../../../process/paths.ts';

/** Package that provides each command (or file) the local provider runs. */
export const REQUIRED_PACKAGES: { provides: string; pkg: string }[] = [
  { provides: 'containerd', pkg: 'containerd' },
  { provides: 'runc', pkg: 'runc' },
  { provides: 'ctr', pkg: 'containerd' },
  { provides: 'etcd', pkg: 'etcd-server' },
  { provides: 'iptables', pkg: 'iptables' },
  { provides: 'conntrack', pkg: 'conntrack' },
  { provides: 'ip', pkg: 'iproute2' },
  { provides: 'mount', pkg: 'mount' },
  { provides: 'openssl', pkg: 'openssl' },
  { provides: '/usr/lib/cni/bridge', pkg: 'containernetworking-plugins' },
];

/** The packages among `required` whose command or file is missing. */
export async function missingPackages(
  required: { provides: string; pkg: string }[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const missing = new Set<string>();
  for (const { provides, pkg } of required) {
    const present = provides.startsWith('/') ? await pathExists(provides) : await isOnPath(provides, env);
    if (!present) missing.add(pkg);
  }
  return [...missing];
}

/** Installs `packages` with apt-get, refreshing the package lists once if the first try fails. */
export async function installPackages(
  packages: string[],
  status: Status,
  signal?: AbortSignal,
): Promise<void> {
  if (packages.length === 0) return;
  if (!(await isOnPath('apt-get'))) {
    throw new InfrastructureError('PackagesMissing', `missing packages: ${packages.join(', ')}`, {
      hint: 'this is not a Debian-based system: install them with your package manager',
    });
  }
  await status.phase(`Installing Debian packages: ${packages.join(' ')}`, async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      runCommand('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
        env,
        signal,
        allowFailure: true,
      });
    let result = await install();
    if (result.exitCode !== 0) {
      await runCommand('apt-get', ['update'], { env, signal });
      result = await install();
    }
    if (result.exitCode !== 0) {
      throw new InfrastructureError('PackageInstallFailed', `apt-get install ${packages.join(' ')} failed`, {
        hint: result.stderr.trim().split('\n').slice(-5).join('\n'),
      });
    }
  });
}
