// The helm fixture: installs a chart into the test's own namespace (rendered offline first, then
// `helm upgrade --install --wait`), so a test gets a fresh copy of what a team deploys with Helm;
// deleting the namespace removes the release with it. helm is the one `up` uses (built once,
// cached by version, or $INCLUSTER_HELM).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KubeClient } from '../kube/client.ts';
import { runningInPod } from '../kube/credentials.ts';
import { ensureHelm, installChart, renderChart } from '../services/helm.ts';

/** A chart to install: a directory or .tgz (relative to the project root), values files, single values. */
export interface HelmChartInput {
  chart: string;
  /** Default: the chart directory's name. */
  release?: string;
  values?: readonly string[];
  set?: Readonly<Record<string, string>>;
  /** How long the release may take to become ready; default 180 s. */
  timeoutMs?: number;
}

/** What was installed where. */
export interface HelmRelease {
  release: string;
  namespace: string;
}

/** Installs `input` into `namespace` with the client's credentials and waits until it is ready. */
export async function installChartInto(
  kube: KubeClient,
  namespace: string,
  input: HelmChartInput,
  options: { root: string; signal?: AbortSignal },
): Promise<HelmRelease> {
  // A first use may build helm (minutes, once); test code has no status line to report it on.
  const status = { phase: <T>(_title: string, work: () => Promise<T>) => work() };
  const helm = await ensureHelm({ status, signal: options.signal });
  const chartPath = resolve(options.root, input.chart);
  const release =
    input.release ??
    (chartPath
      .split('/')
      .filter(Boolean)
      .at(-1)
      ?.replace(/\.tgz$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-') ||
      'chart');
  const chart = {
    release,
    chart: chartPath,
    values: (input.values ?? []).map((file) => resolve(options.root, file)),
    set: { ...input.set },
  };
  // helm reads credentials from a file: the client's own, kept only while helm runs (0600).
  const dir = runningInPod() ? undefined : await mkdtemp(join(tmpdir(), 'incluster-helm-'));
  try {
    const kubeconfigPath = dir ? join(dir, 'kubeconfig') : '';
    if (dir) await writeFile(kubeconfigPath, kube.config.exportConfig(), { mode: 0o600 });
    await renderChart(helm, chart, namespace, { signal: options.signal });
    await installChart(
      helm,
      chart,
      namespace,
      { kubeconfigPath },
      {
        timeoutMs: input.timeoutMs ?? 180_000,
        signal: options.signal,
      },
    );
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
  return { release, namespace };
}
