#!/bin/bash
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
    port=$(iptables-save -t nat | sed -n "s|^-A DOCKER_OUTPUT -d 127.0.0.11/32 -p $proto .*--to-destination 127.0.0.11:\([0-9]*\).*|\1|p")
    [ -n "$port" ] || { log "no docker DNS rule for $proto; leaving resolv.conf alone"; continue; }
    iptables -t nat -A PREROUTING -d "$node_ip" -p "$proto" --dport 53 -j DNAT --to-destination "127.0.0.11:$port"
    iptables -t nat -A OUTPUT -d "$node_ip" -p "$proto" --dport 53 -j DNAT --to-destination "127.0.0.11:$port"
  done
  sed "s/^nameserver 127.0.0.11$/nameserver $node_ip/" /etc/resolv.conf > /tmp/resolv.conf
  # resolv.conf is a bind mount: rewrite it in place.
  cat /tmp/resolv.conf > /etc/resolv.conf
fi

exec "$@"
