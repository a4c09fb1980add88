// The one place the local provider's component versions are pinned.

/** Kubernetes release built from the Go module proxy (newest 1.34 patch: builds with Go 1.26, runs on cgroup v1). */
export const KUBERNETES_VERSION = '1.34.4';

/** Where the Kubernetes binaries of `version` are cached. */
export function kubernetesBinDir(cacheRoot: string, version: string = KUBERNETES_VERSION): string {
  return `${cacheRoot}/kubernetes/v${version}/bin`;
}

/** The binaries the local provider builds from k8s.io/kubernetes. */
export const KUBERNETES_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'kubectl',
] as const;
