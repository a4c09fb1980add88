// The node image's default CNI (kind applies /kind/manifests/default-cni.yaml at create): a small
// pod network of our own in place of kindnetd, whose image cannot be pulled here. One pod per node
// (host network, NET_ADMIN only) writes the node's CNI config from its podCIDR (ptp + host-local,
// the plugins kindnetd uses too, from Debian's containernetworking-plugins) and keeps a route to
// every other node's podCIDR through that node's address, so pods reach each other across nodes.
import { POD_NETWORK_IMAGE } from './names.ts';
import { sourceTemplate } from '../../../source-files.ts';

/** How often each pod re-reads the nodes (new nodes get routes within this many seconds). */
const RESYNC_SECONDS = 5;

/** The loop each pod runs; kubectl reads the in-cluster service account. */
export const POD_NETWORK_SCRIPT = sourceTemplate(import.meta.url, 'pod-network/pod-network.sh', {
  RESYNC_SECONDS: String(RESYNC_SECONDS),
});

/** The manifest kind applies with `kubectl create`: RBAC to read nodes, and the DaemonSet. */
export function podNetworkManifest(): string {
  const script = POD_NETWORK_SCRIPT.split('\n')
    .map((line) => (line ? `              ${line}` : line))
    .join('\n');
  return sourceTemplate(import.meta.url, 'pod-network/default-cni.yaml', {
    POD_NETWORK_IMAGE,
    SCRIPT: script,
  });
}
