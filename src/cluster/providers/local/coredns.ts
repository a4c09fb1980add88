// Cluster DNS for the local cluster: CoreDNS as a Deployment behind the kube-dns Service at the
// kubelet's clusterDNS address. The Corefile has no `forward` or `loop`: there is no upstream
// resolver, and names outside cluster.local must fail fast rather than time out. The manifests are
// coredns/coredns.yaml.
import { sourceTemplate } from '../../../source-files.ts';
import { NETWORK } from './layout.ts';

/** The manifests (one YAML stream) that run CoreDNS with `image` in kube-system. */
export function coreDnsManifests(image: string): string {
  return sourceTemplate(import.meta.url, 'coredns/coredns.yaml', {
    IMAGE: image,
    DNS_SERVICE_IP: NETWORK.dnsServiceIp,
  });
}
