// containerd's configuration (1.6, version 2 format), for the local cluster's containerd on the host
// and for the containerd inside each offline kind node. Both run pods the same way; what differs
// (where containerd keeps its state, the cgroup driver, the runc binary) is an option.
//   - restrict_oom_score_adj: some machines (this CI's among them) withhold CAP_SYS_RESOURCE, so a
//     negative oom_score_adj (the kubelet asks -998 for sandboxes) cannot be set: clamp it.
//   - enable_unprivileged_ports: CoreDNS binds port 53 as a non-root user.
// The file is containerd-config/config.toml; own-paths.toml is the part only the local cluster has.
import { sourceTemplate } from '../../source-files.ts';

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
    ? sourceTemplate(import.meta.url, 'containerd-config/own-paths.toml', {
        ROOT: paths.root,
        STATE: paths.state,
        SOCKET: paths.socket,
      })
    : '';
  // The one optional line of the runc options table.
  const runc = options.runcBinary ? `\n  BinaryName = "${options.runcBinary}"` : '';
  return sourceTemplate(import.meta.url, 'containerd-config/config.toml', {
    OWN_PATHS: own,
    SANDBOX_IMAGE: options.sandboxImage,
    SYSTEMD_CGROUP: String(options.systemdCgroup),
    RUNC_BINARY: runc,
    CNI_CONF_DIR: options.cniConfDir,
  });
}
