set -eu
conf=/etc/cni/net.d/10-incluster-podnet.conflist
while true; do
  kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' > /tmp/nodes || { sleep 2; continue; }
  while read -r name cidr address; do
    [ -n "$cidr" ] && [ -n "$address" ] || continue
    if [ "$name" = "$NODE_NAME" ]; then
      want=$(printf '{"cniVersion":"0.4.0","name":"incluster-podnet","plugins":[{"type":"ptp","ipMasq":false,"mtu":1500,"ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]],"routes":[{"dst":"0.0.0.0/0"}]}},{"type":"portmap","capabilities":{"portMappings":true}}]}' "$cidr")
      if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
        printf '%s' "$want" > "$conf.tmp" && mv "$conf.tmp" "$conf"
        echo "wrote $conf for $cidr"
      fi
    else
      ip route replace "$cidr" via "$address"
    fi
  done < /tmp/nodes
  sleep @RESYNC_SECONDS@
done
