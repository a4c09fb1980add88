// The one place the offline kind node image's contents are pinned. Image names are exactly what
// kubeadm v1.34 asks for (`kubeadm config images list`), so kubeadm finds every image already in
// the node's containerd and pulls nothing.
import { KUBERNETES_VERSION } from '../../local/versions.ts';

/** Kubernetes of the offline node: the same build as the local provider's binaries (plus kubeadm). */
export const NODE_KUBERNETES_VERSION = KUBERNETES_VERSION;

/** etcd kubeadm v1.34 deploys (constants.SupportedEtcdVersion[34]); built from the Go module proxy. */
export const ETCD_VERSION = '3.6.5';

/** CoreDNS kubeadm v1.34 deploys (constants.CoreDNSVersion). */
export const NODE_COREDNS_VERSION = '1.12.1';

/** The sandbox image kubeadm v1.34 expects (constants.PauseVersion). */
export const NODE_PAUSE_VERSION = '3.10.1';

/** crictl, which kind itself runs inside nodes (`kind load` checks images with `crictl inspecti`). */
export const CRICTL_VERSION = '1.34.0';

/** local-path-provisioner, kind's default dynamic storage (hostPath volumes under the node's /var). */
export const LOCAL_PATH_PROVISIONER_VERSION = '0.0.30';

/** Its image, built locally from the binary (our build, hence our registry name). */
export const LOCAL_PATH_PROVISIONER_IMAGE = `incluster.local/local-path-provisioner:v${LOCAL_PATH_PROVISIONER_VERSION}`;

/** The offline node image's name; its cache key is a label on it (in the kind engine's data-root). */
export function offlineNodeImage(version: string = NODE_KUBERNETES_VERSION): string {
  return `incluster.local/kind-node:v${version}`;
}

/** The images kubeadm v1.34 runs, under the names it asks for. */
export function kubeadmImages(version: string = NODE_KUBERNETES_VERSION): {
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
    coredns: `registry.k8s.io/coredns/coredns:v${NODE_COREDNS_VERSION}`,
    pause: `registry.k8s.io/pause:${NODE_PAUSE_VERSION}`,
  };
}
