// Phase 1: what cluster the run is about to use. One look, reused by every later phase: the API
// server's version and nodes (for the report), the cluster's identity (for the image memos),
// whether the services' namespace exists (for RBAC and the Secret) and what its nodes can give
// pods (whether the runner's pods can ever be scheduled).
import type { V1Node } from '@kubernetes/client-node';
import { isNotFound } from '../../kube/api-error.ts';
import { parseQuantity } from '../../kube/quantity.ts';
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
  /** What each node that takes the runner's pods (not cordoned, no NoSchedule taint) can give pods. */
  capacity: NodeCapacity[];
}

/** A node's allocatable CPU (cores) and memory (bytes). */
export interface NodeCapacity {
  name: string;
  cpu: number;
  memory: number;
}

/** Pings the API server and reads its nodes, its identity and the services' namespace. */
export async function inspectCluster(ctx: RunContext): Promise<ClusterFacts> {
  const { client, options } = ctx;
  const { gitVersion } = await client.ping(options.signal);
  const [nodes, kubeSystem, servicesNamespaceExists] = await Promise.all([
    client.core.listNode().catch(() => ({ items: [] as V1Node[] })),
    client.core.readNamespace({ name: 'kube-system' }),
    namespaceExists(client, options.config.namespace),
  ]);
  return {
    server: client.server,
    serverVersion: gitVersion,
    nodes: nodes.items.map(nodeVersions),
    id: kubeSystem.metadata?.uid ?? client.server,
    servicesNamespaceExists,
    capacity: nodes.items.filter(takesPods).map(nodeCapacity),
  };
}

function nodeVersions(node: V1Node): RunReport['cluster']['nodes'][number] {
  return {
    name: node.metadata?.name ?? '?',
    kubeletVersion: node.status?.nodeInfo?.kubeletVersion,
    containerRuntimeVersion: node.status?.nodeInfo?.containerRuntimeVersion,
    osImage: node.status?.nodeInfo?.osImage,
  };
}

/** A node the runner's pods may land on: not cordoned, no taint they do not tolerate. */
function takesPods(node: V1Node): boolean {
  if (node.spec?.unschedulable) return false;
  return !(node.spec?.taints ?? []).some((taint) => ['NoSchedule', 'NoExecute'].includes(taint.effect));
}

function nodeCapacity(node: V1Node): NodeCapacity {
  const allocatable = node.status?.allocatable ?? {};
  return {
    name: node.metadata?.name ?? '?',
    cpu: parseQuantity(allocatable.cpu) ?? 0,
    memory: parseQuantity(allocatable.memory) ?? 0,
  };
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
