// The offline kind node image's name, and the images inside it under exactly the names kubeadm v1.34
// asks for (`kubeadm config images list`), so kubeadm finds every image already in the node's
// containerd and pulls nothing. Their versions are pinned in ../../versions.ts.
import { ETCD_VERSION, KUBERNETES_VERSION, LOCAL_PATH_PROVISIONER_VERSION } from '../../versions.ts';
import { COREDNS_IMAGE, PAUSE_IMAGE } from '../names.ts';

/** local-path-provisioner's image, built locally from the binary (our build, hence our registry name). */
export const LOCAL_PATH_PROVISIONER_IMAGE = `incluster.local/local-path-provisioner:v${LOCAL_PATH_PROVISIONER_VERSION}`;

/** The pod network's image: busybox (sh, ip) plus kubectl, built locally (components.ts). */
export const POD_NETWORK_IMAGE = 'incluster.local/kind-podnet:v1';

/** The offline node image's name; its cache key is a label on it (in the kind engine's data-root). */
export function offlineNodeImage(version: string = KUBERNETES_VERSION): string {
  return `incluster.local/kind-node:v${version}`;
}

/** The images kubeadm v1.34 runs, under the names it asks for. */
export function kubeadmImages(version: string = KUBERNETES_VERSION): {
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  proxy: string;
  etcd: string;
  coredns: string;
  pause: string;
} {
  return {
    apiserver: `registry.k8s.io/kube-apiserver:v${version}`,
    controllerManager: `registry.k8s.io/kube-controller-manager:v${version}`,
    scheduler: `registry.k8s.io/kube-scheduler:v${version}`,
    proxy: `registry.k8s.io/kube-proxy:v${version}`,
    etcd: `registry.k8s.io/etcd:${ETCD_VERSION}-0`,
    // The same CoreDNS and pause as the local cluster's: one version each, kubeadm's.
    coredns: COREDNS_IMAGE,
    pause: PAUSE_IMAGE,
  };
}
