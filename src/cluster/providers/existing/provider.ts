// The existing provider: a cluster someone else runs, reached through a kubeconfig context as it is.
// incluster never creates or deletes that cluster. `up` proves the API answers and creates the
// services namespace when it is missing, labelled as ours; `down` deletes only namespaces carrying
// both OWNER labels for this config's cluster name — never the cluster, never a namespace it did
// not create (a pre-existing namespace of the same name is used but never labelled, so it stays).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import { createKubeClient, type KubeClient } from '../../../kube/client.ts';
import { isNotFound, isConflict, describeKubeError } from '../../../kube/api-error.ts';
import { CLUSTER_LABEL, labelSelector, managedByLabels } from '../../../ownership.ts';
import type { ClusterAccess, ClusterProvider, ProviderContext } from '../../provider.ts';

/** Labels on every namespace the existing provider creates; `down` selects on all of them. */
export function ownerLabels(clusterName: string): Record<string, string> {
  return { ...managedByLabels(), [CLUSTER_LABEL]: clusterName };
}

/** The label selector `down` deletes by. */
export function ownerSelector(clusterName: string): string {
  return labelSelector(ownerLabels(clusterName));
}

/** What the existing provider depends on; tests may inject a client. */
export interface ExistingProviderOptions {
  /** Builds the client from the config's kubeconfig and context; default createKubeClient. */
  client?: (ctx: ProviderContext) => KubeClient;
}

/** Builds the existing provider. */
export function createExistingProvider(options: ExistingProviderOptions = {}): ClusterProvider {
  const clientOf =
    options.client ??
    ((ctx: ProviderContext) =>
      createKubeClient({
        kubeconfig: ctx.config.cluster.existing.kubeconfig,
        context: ctx.config.cluster.existing.context,
        env: ctx.env,
      }));

  async function accessFor(ctx: ProviderContext, client: KubeClient): Promise<ClusterAccess> {
    if (client.source.kind !== 'kubeconfig')
      throw new InfrastructureError(
        'ClusterUnreachable',
        'the existing provider needs a kubeconfig; inside a pod, `incluster run` uses the service account itself',
      );
    const { files, context } = client.source;
    let kubeconfigPath = files[0]!;
    if (files.length > 1) {
      // ClusterAccess names one file: write the merged view of $KUBECONFIG's files, owner-only.
      kubeconfigPath = join(ctx.root, '.incluster', `existing-${ctx.config.cluster.name}.kubeconfig`);
      await mkdir(join(ctx.root, '.incluster'), { recursive: true });
      await writeFile(kubeconfigPath, client.config.exportConfig(), { mode: 0o600 });
    }
    return { provider: 'existing', clusterName: ctx.config.cluster.name, kubeconfigPath, context };
  }

  return {
    name: 'existing',

    async up(ctx) {
      const client = clientOf(ctx);
      const version = await ctx.status.phase('existing: reach the API server', () => client.ping(ctx.signal));
      ctx.status.info(`using the existing cluster at ${client.server} (${version.gitVersion})`);
      await ctx.status.phase(`existing: namespace ${ctx.config.namespace}`, () =>
        ensureNamespace(client, ctx.config.namespace, ctx.config.cluster.name),
      );
      return accessFor(ctx, client);
    },

    async down(ctx) {
      const client = clientOf(ctx);
      await client.ping(ctx.signal);
      const selector = ownerSelector(ctx.config.cluster.name);
      const names = await deleteOwnedNamespaces(client, selector);
      ctx.status.info(
        names.length
          ? `deleted namespaces ${names.join(', ')}; the cluster itself is left running`
          : `no namespaces labelled ${selector}; the cluster itself is left running`,
      );
    },

    async access(ctx) {
      const client = clientOf(ctx);
      try {
        await client.ping(ctx.signal);
      } catch {
        return undefined;
      }
      return accessFor(ctx, client);
    },

    async exportLogs(ctx, dir) {
      // There are no nodes of ours to read: record what the cluster says about our namespace.
      const client = clientOf(ctx);
      const namespace = ctx.config.namespace;
      await mkdir(dir, { recursive: true });
      const [events, pods] = await Promise.allSettled([
        client.core.listNamespacedEvent({ namespace }),
        client.core.listNamespacedPod({ namespace }),
      ]);
      const record = (result: PromiseSettledResult<unknown>) =>
        result.status === 'fulfilled' ? result.value : { error: describeKubeError(result.reason) };
      await writeFile(
        join(dir, `existing-${namespace}.json`),
        JSON.stringify({ server: client.server, events: record(events), pods: record(pods) }, null, 2),
      );
    },
  };
}

/** Creates `name` labelled as ours when it is missing; an existing namespace is used as it is. */
async function ensureNamespace(client: KubeClient, name: string, clusterName: string): Promise<boolean> {
  try {
    await client.core.readNamespace({ name });
    return false;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await client.core.createNamespace({ body: { metadata: { name, labels: ownerLabels(clusterName) } } });
    return true;
  } catch (error) {
    if (isConflict(error)) return false; // created meanwhile by someone else: not ours
    throw error;
  }
}

/** Deletes every namespace matching `selector`; returns their names. */
async function deleteOwnedNamespaces(client: KubeClient, selector: string): Promise<string[]> {
  const list = await client.core.listNamespace({ labelSelector: selector });
  const names = list.items.map((ns) => ns.metadata?.name).filter((n): n is string => Boolean(n));
  for (const name of names) {
    try {
      await client.core.deleteNamespace({ name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return names;
}
