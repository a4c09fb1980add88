// containerd's configuration (1.6, version 2 format), for the local cluster's containerd on the host
// and for the containerd inside each offline kind node. Both run pods the same way; what differs
// (where containerd keeps its state, the cgroup driver, the runc binary) is an option.
//   - restrict_oom_score_adj: some machines (this CI's among them) withhold CAP_SYS_RESOURCE, so a
//     negative oom_score_adj (the kubelet asks -998 for sandboxes) cannot be set: clamp it.
//   - enable_unprivileged_ports: CoreDNS binds port 53 as a non-root user.

/** What a containerd config differs by. */
export interface ContainerdConfigOptions {
  /** The pod sandbox image, built locally (never pulled). */
  sandboxImage: string;
  /** Where the CNI configuration is read from. */
  cniConfDir: string;
  /** `true` where systemd is the node's init (kind nodes); cgroupfs otherwise (the host's cgroup v1). */
  systemdCgroup: boolean;
  /** runc, or a wrapper that execs it (kind nodes: the runtime wrapper). */
  runcBinary?: string;
  /** containerd's own root, state and socket, so a system containerd is never touched (local). */
  paths?: { root: string; state: string; socket: string };
}

/** The config.toml for `options`. */
export function containerdConfig(options: ContainerdConfigOptions): string {
  const { paths } = options;
  const own = paths
    ? `root = "${paths.root}"
state = "${paths.state}"

[grpc]
  address = "${paths.socket}"

[ttrpc]
  address = "${paths.socket}.ttrpc"
`
    : '';
  const runc = options.runcBinary ? `\n  BinaryName = "${options.runcBinary}"` : '';
  return `version = 2
${own}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${options.sandboxImage}"
  tolerate_missing_hugepages_controller = true
  restrict_oom_score_adj = true
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = ${options.systemdCgroup}${runc}

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${options.cniConfDir}"
`;
}
