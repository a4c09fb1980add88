// What `up` and `down` do on every provider: the provider makes the cluster, then this module
// proves it works (every node Ready, cluster DNS resolves a Service name from a pod), preloads the
// configured images, and deploys the services and waits for them. On failure the cluster's logs are
// exported to `<artifacts.dir>/<provider>-logs/` (failure-logs.ts) before the error goes up (FR-006).
import { join } from 'node:path';
import { describeError, InfrastructureError, UsageError } from '../errors.ts';
import { isExecutable } from '../process/paths.ts';
import { cacheRoot } from './cache.ts';
import { kubernetesBinDir } from './host/kubernetes.ts';
import { BUSYBOX_IMAGE } from './images/names.ts';
import { describeKubeError } from '../kube/api-error.ts';
import { applyManifests } from '../kube/apply.ts';
import { createKubeClient, type KubeClient } from '../kube/client.ts';
import {
  match,
  namespaceWorkloadsReady,
  nodeReady,
  nodesRegistered,
  serviceHasEndpoints,
} from '../kube/conditions.ts';
import { readLogs } from '../kube/logs.ts';
import {
  describePullWarning,
  findPullRisks,
  imagesOf,
  loadManifests,
  parseManifests,
  type KubeObject,
  type ManifestObject,
} from '../kube/manifests.ts';
import { waitFor } from '../kube/wait.ts';
import { CLUSTER_LABEL, managedByLabels } from '../ownership.ts';
import { ensureGeneratedSecret, ensurePostgresSecret } from '../services/postgres-credentials.ts';
import { builtInServiceObjects } from '../services/registry.ts';
import { ensurePostgresTls, withPostgresTls } from '../services/postgres-tls.ts';
import { chartNamespace, ensureHelm, installChart, renderChart, uninstallChart } from '../services/helm.ts';
import { REDIS_PASSWORD_KEY } from '../services/redis.ts';
import { exportFailureLogs } from './failure-logs.ts';
import {
  canLoadImages,
  canProvideServiceImages,
  type ClusterAccess,
  type ClusterProvider,
  type ProviderContext,
} from './provider.ts';

/** The image of the short-lived pod that checks cluster DNS; present on local clusters, pulled on kind. */
const DNS_PROBE_IMAGE = BUSYBOX_IMAGE;

export interface BringUpOptions {
  /** Apply the service manifests and wait for them (default true). */
  services?: boolean;
  /** How long the services may take to become ready. */
  servicesTimeoutMs: number;
}

export interface BringUpResult {
  access: ClusterAccess;
  serverVersion: string;
  nodes: string[];
  /** Objects applied from the service manifests. */
  applied: string[];
}

/** Brings the cluster up, proves it works, preloads images and deploys the services. */
export async function bringUp(
  provider: ClusterProvider,
  ctx: ProviderContext,
  options: BringUpOptions,
): Promise<BringUpResult> {
  const { status, signal, config } = ctx;
  // Bad manifests are the user's to fix (exit 2): find out before touching any cluster.
  const services = options.services === false ? [] : await loadServiceManifests(ctx);
  const access = await provider.up(ctx);
  try {
    const client = createKubeClient({ kubeconfig: access.kubeconfigPath, context: access.context });
    const { gitVersion } = await client.ping(signal);
    const nodes = await status.phase('Waiting for every node to be Ready', () =>
      waitForNodes(client, signal),
    );
    // The DNS check starts a pod and waits for CoreDNS; preloading and the services need neither, so
    // they go meanwhile (it is most of a warm `up`). A DNS failure stops them and is what is reported.
    const dnsFailed = new AbortController();
    const dns = checkClusterDns(client, config.namespace, config.cluster.name, signal);
    dns.catch(() => dnsFailed.abort());
    const meanwhile: ProviderContext = { ...ctx, signal: AbortSignal.any([signal, dnsFailed.signal]) };
    let applied: string[] = [];
    try {
      if (config.images.preload.length > 0) {
        if (!canLoadImages(provider)) {
          throw new UsageError(
            `the ${provider.name} provider cannot load images; push them to a registry the cluster pulls from instead`,
          );
        }
        await status.phase(`Preloading ${config.images.preload.length} images`, () =>
          provider.loadImages(meanwhile, config.images.preload),
        );
      }
      if (options.services !== false) {
        if (canProvideServiceImages(provider)) {
          const wanted = imagesOf(
            [...services, ...builtInServiceObjects(config)].map((entry) => entry.object),
          );
          if (wanted.length > 0)
            await status.phase('Putting the services’ images on the nodes', () =>
              provider.provideServiceImages(meanwhile, wanted),
            );
        }
        // With services per run, every `incluster run` deploys its own: up only puts their images
        // on the nodes, so a run starts them in seconds.
        if (config.services.isolation === 'run')
          status.info(
            'services.isolation: run: each `incluster run` deploys its own services into its namespace; none shared',
          );
        else applied = await deployServices(client, meanwhile, options.servicesTimeoutMs, services, access);
      }
    } catch (error) {
      await dns; // when DNS failed, that is the cause worth reporting
      throw error;
    }
    await status.phase('Checking cluster DNS from a pod', () => dns);
    return { access, serverVersion: gitVersion, nodes, applied };
  } catch (error) {
    const logs = await exportFailureLogs(provider, ctx);
    if (error instanceof InfrastructureError || error instanceof UsageError) throw error;
    throw new InfrastructureError(
      'ClusterNotReady',
      `the ${provider.name} cluster came up but is not usable: ${describeKubeError(error)}`,
      {
        cause: error,
        hint: logs.ok
          ? `logs exported to ${logs.dir}`
          : `exporting the logs to ${logs.dir} also failed: ${logs.error}`,
      },
    );
  }
}

/** How deployServices treats the namespace. */
export interface DeployServicesOptions {
  /**
   * The namespace exists and is someone else's to label (a run's own, restricted one): neither
   * applied nor created, since applying our labels again would drop the ones its owner applied.
   */
  namespaceExists?: boolean;
}

/**
 * Applies the configured service manifests (and the enabled built-in services) into the configured
 * namespace and waits until ready (FR-002, FR-005), then installs the configured Helm charts and
 * waits for them; `access` (the kubeconfig helm uses) is needed only when there are charts.
 */
export async function deployServices(
  client: KubeClient,
  ctx: Pick<ProviderContext, 'status' | 'signal' | 'config'> & Partial<Pick<ProviderContext, 'env'>>,
  timeoutMs: number,
  manifests?: ManifestObject[],
  access?: ClusterAccess,
  options: DeployServicesOptions = {},
): Promise<string[]> {
  const { status, signal, config } = ctx;
  let objects = [...(manifests ?? (await loadServiceManifests(ctx))), ...builtInServiceObjects(config)];
  const charts = config.services.charts;
  if (objects.length === 0 && charts.length === 0) return [];
  const namespace = config.namespace;
  const applied: string[] = [];
  if (objects.length > 0)
    applied.push(
      ...(await status.phase(`Deploying ${objects.length} service objects into ${namespace}`, async () => {
        if (!options.namespaceExists)
          await applyManifests(client, [namespaceObject(namespace, config.cluster.name)], { signal });
        // The PostgreSQL manifests take their credentials from a Secret that is never committed:
        // create it with a random password the first time, keep it afterwards.
        const secret = config.postgres.secret;
        if (JSON.stringify(objects.map((o) => o.object)).includes(`"${secret}"`)) {
          const { created } = await ensurePostgresSecret(client, namespace, secret, {
            database: config.postgres.database,
          });
          if (created) status.update(`created Secret ${namespace}/${secret} with a random password`);
        }
        if (config.redis.enabled) {
          const { created } = await ensureGeneratedSecret(
            client,
            namespace,
            config.redis.secret,
            (password) => ({
              [REDIS_PASSWORD_KEY]: password,
            }),
          );
          if (created)
            status.update(`created Secret ${namespace}/${config.redis.secret} with a random password`);
        }
        if (config.postgres.tls.enabled) {
          status.update('issuing the PostgreSQL server certificate from the cluster CA');
          const tls = await ensurePostgresTls(client, config, signal);
          objects = withPostgresTls(objects, config.postgres, tls.revision);
        }
        const result = await applyManifests(client, objects, { namespace, signal });
        for (const warning of result.warnings) status.info(`warning: ${describePullWarning(warning)}`);
        status.update('waiting for every workload to be ready');
        // A quota or Pod Security refusal of a pod ends the wait at once instead of at its timeout.
        await waitFor(namespaceWorkloadsReady(client, namespace, { refusals: true }), {
          timeout: timeoutMs,
          signal,
        });
        return result.applied.map((o) => `${o.kind}/${o.metadata.name}`);
      })),
    );
  if (charts.length > 0) {
    if (!access) throw new Error('deployServices: Helm charts need the cluster access');
    applied.push(...(await installCharts(client, ctx, timeoutMs, access, options)));
  }
  return applied;
}

/** Installs every configured chart (rendered offline first: a bad chart exits 2) and waits for it. */
async function installCharts(
  client: KubeClient,
  ctx: Pick<ProviderContext, 'status' | 'signal' | 'config'> & Partial<Pick<ProviderContext, 'env'>>,
  timeoutMs: number,
  access: ClusterAccess,
  options: DeployServicesOptions,
): Promise<string[]> {
  const { status, signal, config } = ctx;
  const env = ctx.env ?? process.env;
  const helm = await ensureHelm({ status, signal, env });
  const installed: string[] = [];
  for (const chart of config.services.charts) {
    const namespace = chartNamespace(chart, config);
    await status.phase(`Installing Helm release ${chart.release} into ${namespace}`, async () => {
      const rendered = parseManifests(
        await renderChart(helm, chart, namespace, { signal, env }),
        chart.chart,
      );
      for (const warning of findPullRisks(rendered)) status.info(`warning: ${describePullWarning(warning)}`);
      if (!options.namespaceExists)
        await applyManifests(client, [namespaceObject(namespace, config.cluster.name)], { signal });
      await installChart(helm, chart, namespace, access, { timeoutMs, signal, env });
      status.update('waiting for every workload to be ready');
      // A quota or Pod Security refusal of a pod ends the wait at once instead of at its timeout.
      await waitFor(namespaceWorkloadsReady(client, namespace, { refusals: true }), {
        timeout: timeoutMs,
        signal,
      });
    });
    installed.push(`HelmRelease/${chart.release}`);
  }
  return installed;
}

/**
 * `down`: uninstalls the configured Helm releases while the cluster still runs (on a shared
 * cluster they would otherwise stay), then lets the provider remove what `up` created. A release
 * that cannot be uninstalled (or no helm) does not keep the provider from tearing down; it is
 * named in the error afterwards.
 */
export async function tearDown(provider: ClusterProvider, ctx: ProviderContext): Promise<void> {
  const charts = ctx.config.services.charts;
  const access = charts.length > 0 ? await provider.access(ctx) : undefined;
  const failures: string[] = [];
  let helm: string | undefined;
  if (access) {
    try {
      helm = await ensureHelm({ status: ctx.status, signal: ctx.signal, env: ctx.env });
    } catch (error) {
      failures.push(
        `no helm to uninstall ${charts.map((c) => c.release).join(', ')}: ${describeError(error)}`,
      );
    }
  }
  if (access && helm) {
    const run = helm;
    await ctx.status.phase(
      `Uninstalling ${charts.length} Helm release${charts.length === 1 ? '' : 's'}`,
      async () => {
        for (const chart of [...charts].reverse()) {
          try {
            const outcome = await uninstallChart(run, chart, chartNamespace(chart, ctx.config), access, {
              signal: ctx.signal,
              env: ctx.env,
            });
            ctx.status.update(`${chart.release}: ${outcome}`);
          } catch (error) {
            failures.push(describeError(error));
          }
        }
      },
    );
  }
  await provider.down(ctx);
  if (failures.length > 0)
    throw new InfrastructureError(
      'HelmUninstallFailed',
      `down removed the cluster's own objects, but: ${failures.join('; ')}`,
    );
}

/** Loads and parses the configured service manifests; a malformed one is a UsageError naming file and line. */
async function loadServiceManifests(ctx: Pick<ProviderContext, 'config'>): Promise<ManifestObject[]> {
  return loadManifests(ctx.config.services.manifests, { kubectl: await cachedKubectl() });
}

/** The kubectl the local provider built, when there is one: kustomizations render with it. */
async function cachedKubectl(): Promise<string | undefined> {
  const kubectl = join(kubernetesBinDir(cacheRoot()), 'kubectl');
  return (await isExecutable(kubectl)) ? kubectl : undefined;
}

/** The namespace incluster creates for the services, labelled so `down` on a shared cluster finds it. */
function namespaceObject(name: string, clusterName: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: managedByLabels({ [CLUSTER_LABEL]: clusterName }) },
  };
}

async function waitForNodes(client: KubeClient, signal: AbortSignal): Promise<string[]> {
  const names = await registeredNodes(client, signal);
  await Promise.all(names.map((name) => waitFor(nodeReady(client, name), { timeout: 120_000, signal })));
  return names;
}

/** The nodes' names; on a brand-new cluster, waits (watching) for the first kubelet to register. */
function registeredNodes(client: KubeClient, signal: AbortSignal): Promise<string[]> {
  return waitFor(nodesRegistered(client), { timeout: 60_000, signal });
}

/** Resolves the kubernetes Service's name from a pod: proves CoreDNS, kube-proxy and pod networking together. */
async function checkClusterDns(
  client: KubeClient,
  namespace: string,
  clusterName: string,
  signal: AbortSignal,
): Promise<void> {
  // The same object deployServices applies (they run at once): whichever comes first, it is labelled alike.
  await applyManifests(client, [namespaceObject(namespace, clusterName)], { signal }).catch(() => undefined);
  // Right after CoreDNS is (re)deployed its Service has no ready endpoint yet, and kube-proxy
  // refuses the lookup; wait (on a watch) until it has one, so the probe tests DNS, not timing.
  await waitFor(serviceHasEndpoints(client, 'kube-system', 'kube-dns'), { timeout: 120_000, signal });
  const name = `incluster-dns-check-${Date.now().toString(36)}`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: managedByLabels() },
    spec: {
      restartPolicy: 'Never',
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65534,
        runAsGroup: 65534,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'dns',
          image: DNS_PROBE_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          // kube-proxy programs a new endpoint a moment after it is ready, and CoreDNS turns unready
          // for a while after an API server restart: the pod retries for up to a minute, then fails
          // with the last lookup's output.
          command: [
            'sh',
            '-c',
            'for i in $(seq 30); do nslookup kubernetes.default.svc.cluster.local && exit 0; sleep 2; done; exit 1',
          ],
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
        },
      ],
    },
  };
  // A new namespace gets its default ServiceAccount a moment later; admission needs it.
  await waitFor(
    match(
      client,
      'ServiceAccount',
      namespace,
      'default',
      () => true,
      `ServiceAccount ${namespace}/default to exist`,
    ),
    {
      timeout: 30_000,
      signal,
    },
  );
  await client.core.createNamespacedPod({ namespace, body: pod });
  try {
    const done = await waitFor(
      match<{ status?: { phase?: string } }>(
        client,
        'Pod',
        namespace,
        name,
        (p) => ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
        `Pod ${namespace}/${name} to finish its DNS lookup`,
      ),
      { timeout: 120_000, signal },
    );
    if (done.status?.phase !== 'Succeeded') {
      const log = await readLogs(client, namespace, name, { container: 'dns', tailLines: 20 }).catch(
        () => '',
      );
      throw new InfrastructureError(
        'ClusterDnsFailed',
        'cluster DNS does not resolve kubernetes.default.svc.cluster.local from a pod',
        { hint: log.trim() },
      );
    }
  } finally {
    await client.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}
