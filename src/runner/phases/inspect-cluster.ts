// Phase 1: what cluster the run is about to use. One look, reused by every later phase: the API
// server's version and nodes (for the report), the cluster's identity (for the image memos) and
// whether the services' namespace exists (for RBAC and the Secret).
import { isNotFound } from '../../kube/api-error.ts';
import type { KubeClient } from '../../kube/client.ts';
import type { RunReport } from '../report.ts';
import type { RunContext } from '../run-context.ts';

/** What the run knows of its cluster. */
export interface ClusterFacts {
  server: string;
  serverVersion: string;
  nodes: RunReport['cluster']['nodes'];
  /** The kube-system namespace's UID: new whenever the cluster is recreated. */
  id: string;
  /** Whether config.namespace (the services') exists. */
  servicesNamespaceExists: boolean;
}

/** Pings the API server and reads its nodes, its identity and the services' namespace. */
export async function inspectCluster(ctx: RunContext): Promise<ClusterFacts> {
  const { client, options } = ctx;
  const { gitVersion } = await client.ping(options.signal);
  const [nodes, kubeSystem, servicesNamespaceExists] = await Promise.all([
    nodeVersions(client),
    client.core.readNamespace({ name: 'kube-system' }),
    namespaceExists(client, options.config.namespace),
  ]);
  return {
    server: client.server,
    serverVersion: gitVersion,
    nodes,
    id: kubeSystem.metadata?.uid ?? client.server,
    servicesNamespaceExists,
  };
}

async function nodeVersions(client: KubeClient): Promise<RunReport['cluster']['nodes']> {
  const nodes = await client.core.listNode().catch(() => ({ items: [] }));
  return nodes.items.map((node) => ({
    name: node.metadata?.name ?? '?',
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion,
    containerRuntimeVersion: node.status?.nodeInfo?.containerRuntimeVersion,
    osImage: node.status?.nodeInfo?.osImage,
  }));
}

async function namespaceExists(client: KubeClient, name: string): Promise<boolean> {
  try {
    await client.core.readNamespace({ name });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
