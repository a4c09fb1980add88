// What the local provider needs: root on Linux, Debian's container and network packages, and either
// the cached Kubernetes binaries or a Go toolchain to build them. The probe is what `auto` asks (only
// what `up` cannot install itself), the diagnosis what `doctor` reports.
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import {
  commandCheck,
  diagnosis,
  type Check,
  type ProbeResult,
  type ProviderDiagnosis,
} from '../../prerequisites.ts';
import { cacheRoot } from '../../cache.ts';
import { KUBERNETES_BINARIES, kubernetesBinDir } from '../../host/kubernetes.ts';
import { KUBERNETES_VERSION } from '../../versions.ts';

/** Debian packages the local provider installs when they are missing (as root). */
const LOCAL_DEBIAN_PACKAGES: Record<string, string> = {
  containerd: 'containerd',
  runc: 'runc',
  etcd: 'etcd-server',
  iptables: 'iptables',
  conntrack: 'conntrack',
  dockerd: 'docker.io',
  debootstrap: 'debootstrap',
  openssl: 'openssl',
};

/** Whether local is usable now: root on Linux with the Kubernetes binaries already cached. */
export async function probeLocal(env: NodeJS.ProcessEnv): Promise<ProbeResult> {
  if (process.platform !== 'linux') return { ok: false, why: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, why: 'not running as root' };
  const dir = kubernetesBinDir(cacheRoot(env));
  if (!(await allExecutable(KUBERNETES_BINARIES.map((name) => `${dir}/${name}`))))
    return { ok: false, why: `the Kubernetes v${KUBERNETES_VERSION} binaries are not cached in ${dir}` };
  return { ok: true, why: `running as root with Kubernetes v${KUBERNETES_VERSION} cached in ${dir}` };
}

/** Diagnoses the local provider's prerequisites. */
export async function diagnoseLocal(env: NodeJS.ProcessEnv = process.env): Promise<ProviderDiagnosis> {
  const checks: Check[] = [];
  checks.push({
    name: 'linux',
    ok: process.platform === 'linux',
    detail: process.platform,
    fix: 'the local provider runs only on Linux; use kind or existing elsewhere',
  });
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  checks.push({
    name: 'root',
    ok: root,
    detail: root ? 'running as root' : 'not root',
    fix: 'run as root: sudo incluster up --provider local',
  });
  for (const [command, pkg] of Object.entries(LOCAL_DEBIAN_PACKAGES)) {
    // Missing packages are installed by `up` itself, so they do not make the provider unusable.
    checks.push({
      ...(await commandCheck(command, `apt-get install -y ${pkg} (up installs it when run as root)`, {
        env,
      })),
      optional: true,
    });
  }
  checks.push({
    ...(await fileCheck(
      'cni plugins',
      '/usr/lib/cni/bridge',
      'apt-get install -y containernetworking-plugins (up installs it when run as root)',
    )),
    optional: true,
  });
  const binDir = kubernetesBinDir(cacheRoot(env));
  const cached = await allExecutable(KUBERNETES_BINARIES.map((name) => `${binDir}/${name}`));
  checks.push({
    name: `kubernetes v${KUBERNETES_VERSION}`,
    ok: cached,
    detail: cached ? `cached in ${binDir}` : 'not built yet',
    fix: 'incluster up --provider local builds it once (about 7.5 minutes on 2 cores, see bench/RESULTS.md), or needs Go below',
    optional: true,
  });
  const go = await commandCheck('go', 'install Go 1.24 or newer (https://go.dev/dl/)', {
    versionArgs: ['version'],
    env,
  });
  checks.push(cached ? { ...go, optional: true } : go);
  return diagnosis('local', checks);
}

async function fileCheck(name: string, path: string, fix: string): Promise<Check> {
  try {
    await access(path, constants.X_OK);
    return { name, ok: true, detail: path };
  } catch {
    return { name, ok: false, detail: `${path} missing`, fix };
  }
}

async function allExecutable(paths: string[]): Promise<boolean> {
  try {
    await Promise.all(paths.map((p) => access(p, constants.X_OK)));
    return true;
  } catch {
    return false;
  }
}
