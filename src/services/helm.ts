// Helm charts as services: `up` installs each configured chart (`helm upgrade --install --wait`, so
// running it again upgrades in place) and `down` uninstalls it. helm is built once per version from
// the Go module proxy and cached beside the Kubernetes binaries (no release download is needed);
// $INCLUSTER_HELM names another helm.
import { join } from 'node:path';
import { cacheRoot } from '../cluster/cache.ts';
import { ensureGoProgram, goProgramDir, type GoProgram } from '../cluster/host/go-build.ts';
import type { ClusterAccess } from '../cluster/provider.ts';
import { HELM_VERSION } from '../cluster/versions.ts';
import type { Config } from '../config/schema.ts';
import { InfrastructureError, UsageError, firstLine } from '../errors.ts';
import { runCommand } from '../process/exec.ts';
import type { Status } from '../progress/status.ts';

type HelmChart = Config['services']['charts'][number];

/** helm as a Go program: built with `go install`, its version stamped in. */
export const HELM_PROGRAM: GoProgram = {
  name: 'helm',
  label: 'helm',
  version: `v${HELM_VERSION}`,
  binaries: { helm: 'helm.sh/helm/v3/cmd/helm' },
  source: { kind: 'install' },
  ldflags: `-s -w -X helm.sh/helm/v3/internal/version.version=v${HELM_VERSION}`,
};

/** Where the helm binary is cached. */
export function helmBinDir(root: string): string {
  return goProgramDir(root, HELM_PROGRAM);
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

/** The helm to run: $INCLUSTER_HELM, else the cached build, built now when it is missing. */
export async function ensureHelm(options: HelmBinaryOptions): Promise<string> {
  const env = options.env ?? process.env;
  if (env.INCLUSTER_HELM) return env.INCLUSTER_HELM;
  const dir = await ensureGoProgram(HELM_PROGRAM, {
    cacheRoot: options.cacheRoot ?? cacheRoot(env),
    status: options.status,
    env,
    signal: options.signal,
  });
  return join(dir, 'helm');
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
