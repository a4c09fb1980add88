// The files that make a Debian root filesystem a kind node: our entrypoint, systemd units for
// containerd and the kubelet, and crictl's configuration (containerd's is host/containerd-config.ts). Written
// for incluster from what kind expects of a node (kind's node contract: `/kind/version`, the
// manifests under `/kind/manifests/`, kubeadm, kubelet, kubectl, ctr and crictl on PATH, containerd
// on its default socket, systemd as PID 1), not copied from kind's base image. Each is a file in files/.
import { sourceFile } from '../../../source-files.ts';

/**
 * The node's PID 1 before systemd. It prepares only what lives inside the node's own namespaces
 * and refuses to run when the cgroup tree it sees is the host's: on cgroup v1 without a private
 * cgroup namespace, the directories it makes would land in the host's tree (measured: that broke
 * the local provider's next `up`).
 */
export const ENTRYPOINT = sourceFile(import.meta.url, 'files/entrypoint.sh');

/** containerd as a systemd service. No Limit*= or OOMScoreAdjust=: raising limits or lowering the
 * OOM score needs CAP_SYS_RESOURCE, which nodes lack where the runtime wrapper is in use. */
export const CONTAINERD_SERVICE = sourceFile(import.meta.url, 'files/containerd.service');

/** The kubelet, run as kubeadm's packages run it: flags from kubeadm's files, config from kubeadm. */
export const KUBELET_SERVICE = sourceFile(import.meta.url, 'files/kubelet.service');

/** kubeadm's drop-in: the kubeconfigs, the config file and the flags kubeadm writes at init/join. */
export const KUBELET_KUBEADM_DROPIN = sourceFile(import.meta.url, 'files/10-kubeadm.conf');

/** The slice kind's kubelet configuration names as its cgroup root (cgroupRoot: /kubelet). */
export const KUBELET_SLICE = sourceFile(import.meta.url, 'files/kubelet.slice');

/** crictl's endpoints, so `crictl` in a node (kind load, `kind export logs`, our checks) finds containerd. */
export const CRICTL_CONFIG = sourceFile(import.meta.url, 'files/crictl.yaml');
