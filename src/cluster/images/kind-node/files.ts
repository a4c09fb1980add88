// The files that make a Debian root filesystem a kind node: our entrypoint, systemd units for
// containerd and the kubelet, and crictl's configuration (containerd's is host/containerd-config.ts). Written
// for incluster from what kind expects of a node (kind's node contract: `/kind/version`, the
// manifests under `/kind/manifests/`, kubeadm, kubelet, kubectl, ctr and crictl on PATH, containerd
// on its default socket, systemd as PID 1), not copied from kind's base image.

/**
 * The node's PID 1 before systemd. It prepares only what lives inside the node's own namespaces
 * and refuses to run when the cgroup tree it sees is the host's: on cgroup v1 without a private
 * cgroup namespace, the directories it makes would land in the host's tree (measured: that broke
 * the local provider's next `up`).
 */
export const ENTRYPOINT = `#!/bin/bash
# incluster kind node entrypoint: prepares mounts, cgroups and sysctls, then execs systemd ("$@").
set -o errexit -o nounset -o pipefail

log() { echo "incluster-node: $*" >&2; }

# systemd, the kubelet and containerd's volume mounts need shared propagation inside the node.
mount --make-rshared /

# Every node gets its own machine id (the image must not carry one: nodes would share it).
rm -f /etc/machine-id
systemd-machine-id-setup >/dev/null

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  log 'cgroup v2: systemd creates kubelet.slice itself'
else
  # With a private cgroup namespace this process sits at the root of every hierarchy.
  if ! grep -qE '^[0-9]+:([^:]*,)?cpu(,[^:]*)?:/$' /proc/self/cgroup; then
    log 'refusing to start: cgroup v1 without a private cgroup namespace (docker run --cgroupns=private)'
    log 'would create cgroups in the host tree; kind passes --cgroupns=private itself, so this is not kind'
    exit 1
  fi
  # The kubelet's cgroup root (cgroupRoot /kubelet, systemd driver: kubelet.slice) in every
  # hierarchy, bind-mounted onto itself so systemd does not remove it as an unknown cgroup before
  # the kubelet starts. cpuset needs its cpus and mems filled in before tasks can join.
  for hierarchy in $(findmnt -lun -o target -t cgroup); do
    for root in kubelet kubelet.slice; do
      mkdir -p "$hierarchy/$root"
      if [ "$hierarchy" = /sys/fs/cgroup/cpuset ]; then
        cat "$hierarchy/cpuset.cpus" > "$hierarchy/$root/cpuset.cpus"
        cat "$hierarchy/cpuset.mems" > "$hierarchy/$root/cpuset.mems"
      fi
      mount --bind "$hierarchy/$root" "$hierarchy/$root"
    done
  done
  mount --make-rprivate /sys/fs/cgroup
fi

# Pod traffic between nodes is routed through each node's own network namespace.
echo 1 > /proc/sys/net/ipv4/ip_forward

# Docker's embedded DNS (node names, the engine's resolvers) answers at 127.0.0.11, which is
# loopback: a pod cannot reach it, and CoreDNS, forwarding there from its own network namespace,
# would find itself (its loop plugin then exits). Offer that DNS on the node's own address instead
# and name that address in the resolv.conf pods inherit.
node_ip=$(ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1 | head -n 1)
if [ -n "$node_ip" ] && grep -q '^nameserver 127.0.0.11$' /etc/resolv.conf; then
  echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet
  for proto in udp tcp; do
    port=$(iptables-save -t nat | sed -n "s|^-A DOCKER_OUTPUT -d 127.0.0.11/32 -p $proto .*--to-destination 127.0.0.11:\\([0-9]*\\).*|\\1|p")
    [ -n "$port" ] || { log "no docker DNS rule for $proto; leaving resolv.conf alone"; continue; }
    iptables -t nat -A PREROUTING -d "$node_ip" -p "$proto" --dport 53 -j DNAT --to-destination "127.0.0.11:$port"
    iptables -t nat -A OUTPUT -d "$node_ip" -p "$proto" --dport 53 -j DNAT --to-destination "127.0.0.11:$port"
  done
  sed "s/^nameserver 127.0.0.11$/nameserver $node_ip/" /etc/resolv.conf > /tmp/resolv.conf
  # resolv.conf is a bind mount: rewrite it in place.
  cat /tmp/resolv.conf > /etc/resolv.conf
fi

exec "$@"
`;

/** containerd as a systemd service. No Limit*= or OOMScoreAdjust=: raising limits or lowering the
 * OOM score needs CAP_SYS_RESOURCE, which nodes lack where the runtime wrapper is in use. */
export const CONTAINERD_SERVICE = `[Unit]
Description=containerd container runtime (incluster kind node)
After=network.target local-fs.target

[Service]
ExecStart=/usr/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=1
TasksMax=infinity

[Install]
WantedBy=multi-user.target
`;

/** The kubelet, run as kubeadm's packages run it: flags from kubeadm's files, config from kubeadm. */
export const KUBELET_SERVICE = `[Unit]
Description=kubelet (incluster kind node)
# kubeadm init/join writes the config; until then the kubelet would only crash-loop.
ConditionPathExists=/var/lib/kubelet/config.yaml

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=1s
CPUAccounting=true
MemoryAccounting=true
Slice=kubelet.slice
KillMode=process

[Install]
WantedBy=multi-user.target
`;

/** kubeadm's drop-in: the kubeconfigs, the config file and the flags kubeadm writes at init/join. */
export const KUBELET_KUBEADM_DROPIN = `[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

/** The slice kind's kubelet configuration names as its cgroup root (cgroupRoot: /kubelet). */
export const KUBELET_SLICE = `[Unit]
Description=slice of the kubelet and its pods
Before=slices.target
`;

/** crictl's endpoints, so `crictl` in a node (kind load, `kind export logs`, our checks) finds containerd. */
export const CRICTL_CONFIG = `runtime-endpoint: unix:///run/containerd/containerd.sock
image-endpoint: unix:///run/containerd/containerd.sock
`;
