// The node image's default CNI (kind applies /kind/manifests/default-cni.yaml at create): a small
// pod network of our own in place of kindnetd, whose image cannot be pulled here. One pod per node
// (host network, NET_ADMIN only) writes the node's CNI config from its podCIDR (ptp + host-local,
// the plugins kindnetd uses too, from Debian's containernetworking-plugins) and keeps a route to
// every other node's podCIDR through that node's address, so pods reach each other across nodes.
import { POD_NETWORK_IMAGE } from './names.ts';

/** How often each pod re-reads the nodes (new nodes get routes within this many seconds). */
const RESYNC_SECONDS = 5;

/** The loop each pod runs; kubectl reads the in-cluster service account. */
export const POD_NETWORK_SCRIPT = `set -eu
conf=/etc/cni/net.d/10-incluster-podnet.conflist
while true; do
  kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.spec.podCIDR} {.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}' > /tmp/nodes || { sleep 2; continue; }
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
  sleep ${RESYNC_SECONDS}
done
`;

/** The manifest kind applies with `kubectl create`: RBAC to read nodes, and the DaemonSet. */
export function podNetworkManifest(): string {
  const script = POD_NETWORK_SCRIPT.split('\n')
    .map((line) => (line ? `              ${line}` : line))
    .join('\n');
  return `# incluster's offline pod network (see src/cluster/images/kind-node/pod-network.ts)
apiVersion: v1
kind: ServiceAccount
metadata:
  name: incluster-podnet
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: incluster-podnet
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: incluster-podnet
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: incluster-podnet
subjects:
  - kind: ServiceAccount
    name: incluster-podnet
    namespace: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: incluster-podnet
  namespace: kube-system
  labels:
    app: incluster-podnet
spec:
  selector:
    matchLabels:
      app: incluster-podnet
  template:
    metadata:
      labels:
        app: incluster-podnet
    spec:
      hostNetwork: true
      serviceAccountName: incluster-podnet
      priorityClassName: system-node-critical
      tolerations:
        - operator: Exists
      containers:
        - name: podnet
          image: ${POD_NETWORK_IMAGE}
          imagePullPolicy: Never
          command: ["/bin/sh", "-c"]
          args:
            - |
${script}
          env:
            - name: NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          securityContext:
            capabilities:
              add: ["NET_ADMIN"]
          resources:
            requests:
              cpu: 10m
              memory: 20Mi
          volumeMounts:
            - name: cni-conf
              mountPath: /etc/cni/net.d
      volumes:
        - name: cni-conf
          hostPath:
            path: /etc/cni/net.d
            type: DirectoryOrCreate
`;
}
