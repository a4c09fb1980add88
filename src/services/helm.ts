// Helm charts as services: `up` installs each configured chart (`helm upgrade --install --wait`, so
// running it again upgrades in place) and `down` uninstalls it. helm is built once per version from
// the Go module proxy and cached beside the Kubernetes binaries (no release download is needed);
// $INCLUSTER_HELM names another helm.
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../cluster/cache.ts';
import type { ClusterAccess } from '../cluster/provider.ts';
import type { Config } from '../config/schema.ts';
import { InfrastructureError, UsageError, firstLine } from '../errors.ts';
import { isOnPath, runCommand } from '../process/exec.ts';
import { isExecutable } from '../process/paths.ts';
import type { Status } from '../progress/status.ts';

/** The helm release built from helm.sh/helm/v3 (a v3 patch the Go 1.26 toolchain builds). */
export const HELM_VERSION = '3.21.4';

type HelmChart = Config['services']['charts'][number];

/** Where the helm binary of `version` is cached. */
export function helmBinDir(root: string, version: string = HELM_VERSION): string {
  return join(root, 'helm', `v${version}`, 'bin');
}

/** What building or finding helm needs. */
export interface HelmBinaryOptions {
  /** Reports the one-off build; only `phase` is used (the fixtures pass a silent one). */
  status: Pick<Status, 'phase'>;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Cache root; default cacheRoot(). */
  cacheRoot?: string;
}

/** The `go install` arguments that build helm `version` with its version stamped in. */
export function helmInstallArgs(version: string = HELM_VERSION): string[] {
  return [
    'install',
    '-trimpath',
    '-ldflags',
    `-s -w -X helm.sh/helm/v3/internal/version.version=v${version}`,
    `helm.sh/helm/v3/cmd/helm@v${version}`,
  ];
}

/** The helm to run: $INCLUSTER_HELM, else the cached build, built now when it is missing. */
export async function ensureHelm(options: HelmBinaryOptions): Promise<string> {
  const env = options.env ?? process.env;
  if (env.INCLUSTER_HELM) return env.INCLUSTER_HELM;
  const binDir = helmBinDir(options.cacheRoot ?? cacheRoot(env));
  const helm = join(binDir, 'helm');
  if (await isExecutable(helm)) return helm;
  const buildEnv = { ...env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOBIN: `${binDir}.tmp` };
  if (!(await isOnPath('go', buildEnv)))
    throw new InfrastructureError(
      'GoMissing',
      `installing Helm charts needs helm v${HELM_VERSION}, built from the Go module proxy, and \`go\` is not on PATH`,
      { hint: `install Go, or set INCLUSTER_HELM to a helm binary (or copy one to ${helm})` },
    );
  await options.status.phase(`Building helm v${HELM_VERSION} (once; cached in ${binDir})`, async () => {
    await mkdir(`${binDir}.tmp`, { recursive: true });
    try {
      await runCommand('go', helmInstallArgs(), { env: buildEnv, signal: options.signal });
    } catch (error) {
      throw new InfrastructureError('HelmBuildFailed', `building helm v${HELM_VERSION} failed`, {
        cause: error,
      });
    }
    await mkdir(binDir, { recursive: true });
    await rename(join(`${binDir}.tmp`, 'helm'), helm);
  });
  return helm;
}

/** The namespace a chart goes into. */
export function chartNamespace(chart: HelmChart, config: Config): string {
  return chart.namespace ?? config.namespace;
}

/** The flags that point helm at the cluster `up` made. */
function clusterFlags(access: Pick<ClusterAccess, 'kubeconfigPath' | 'context'>): string[] {
  // No kubeconfig: helm's own in-cluster configuration (a test running in a pod).
  return [
    ...(access.kubeconfigPath ? ['--kubeconfig', access.kubeconfigPath] : []),
    ...(access.context ? ['--kube-context', access.context] : []),
  ];
}

/** `helm upgrade --install` arguments: values files in order, then single values, and a bounded wait. */
export function installArgs(
  chart: HelmChart,
  namespace: string,
  access: Pick<ClusterAccess, 'kubeconfigPath' | 'context'>,
  timeoutMs: number,
): string[] {
  return [
    'upgrade',
    '--install',
    chart.release,
    chart.chart,
    '--namespace',
    namespace,
    '--create-namespace',
    ...clusterFlags(access),
    ...valueFlags(chart),
    '--wait',
    '--timeout',
    `${Math.max(1, Math.ceil(timeoutMs / 1000))}s`,
  ];
}

/** The chart's values flags: files in order, then single values. */
function valueFlags(chart: HelmChart): string[] {
  return [
    ...chart.values.flatMap((file) => ['--values', file]),
    ...Object.entries(chart.set).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
  ];
}

/**
 * Renders the chart offline (`helm template`): a chart or values that do not render are the
 * user's to fix (exit 2), found before anything is installed. Resolves with the rendered YAML.
 */
export async function renderChart(
  helm: string,
  chart: HelmChart,
  namespace: string,
  options: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const result = await runCommand(
    helm,
    ['template', chart.release, chart.chart, '--namespace', namespace, ...valueFlags(chart)],
    { allowFailure: true, signal: options.signal, env: options.env, maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.exitCode !== 0)
    throw new UsageError(
      `Helm chart ${chart.chart} (release ${chart.release}) does not render: ${firstLine(result.stderr.trim() || result.stdout.trim())}`,
      { hint: result.stderr.trim().split('\n').slice(-10).join('\n') },
    );
  return result.stdout;
}

/** Installs (or upgrades) one chart and waits until its resources are ready. */
export async function installChart(
  helm: string,
  chart: HelmChart,
  namespace: string,
  access: Pick<ClusterAccess, 'kubeconfigPath' | 'context'>,
  options: { timeoutMs: number; signal?: AbortSignal; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const result = await runCommand(helm, installArgs(chart, namespace, access, options.timeoutMs), {
    allowFailure: true,
    signal: options.signal,
    env: options.env,
  });
  if (result.exitCode === 0) return;
  throw new InfrastructureError(
    'HelmInstallFailed',
    `Helm release ${namespace}/${chart.release} did not become ready: ${firstLine(result.stderr.trim() || result.stdout.trim())}`,
    { hint: result.stderr.trim().split('\n').slice(-10).join('\n') },
  );
}

/** Uninstalls one release; nothing installed is no error. */
export async function uninstallChart(
  helm: string,
  chart: HelmChart,
  namespace: string,
  access: Pick<ClusterAccess, 'kubeconfigPath' | 'context'>,
  options: { signal?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<'uninstalled' | 'absent'> {
  const result = await runCommand(
    helm,
    [
      'uninstall',
      chart.release,
      '--namespace',
      namespace,
      ...clusterFlags(access),
      '--wait',
      '--timeout',
      '120s',
    ],
    { allowFailure: true, signal: options.signal, env: options.env },
  );
  if (result.exitCode === 0) return 'uninstalled';
  if (/not found/i.test(result.stderr)) return 'absent';
  throw new InfrastructureError(
    'HelmUninstallFailed',
    `uninstalling Helm release ${namespace}/${chart.release} failed: ${firstLine(result.stderr.trim())}`,
  );
}
