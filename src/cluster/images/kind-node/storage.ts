// The node image's default storage (kind applies /kind/manifests/default-storage.yaml at create):
// local-path-provisioner, as in kind's own images, built locally (components.ts) and run with
// images that are already in the node (imagePullPolicy Never). A claim gets a hostPath volume under
// the node's /var (a Docker volume per node, so it goes with the cluster), made and removed by
// helper pods running busybox.
import { BUSYBOX_IMAGE } from '../names.ts';
import { LOCAL_PATH_PROVISIONER_IMAGE } from './names.ts';

/** Where volumes live on each node. */
const VOLUME_ROOT = '/var/local-path-provisioner';

/** The provisioner's name in StorageClasses and PersistentVolumes (the upstream one, so PVs read as usual). */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

export const STORAGE_MANIFEST = `# incluster's offline storage (see src/cluster/images/kind-node/storage.ts)
apiVersion: v1
kind: Namespace
metadata:
  name: local-path-storage
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: local-path-provisioner
  namespace: local-path-storage
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: incluster-local-path-provisioner
rules:
  - apiGroups: [""]
    resources: ["nodes", "persistentvolumeclaims", "configmaps", "pods", "pods/log"]
    verbs: ["get", "list", "watch"]
  - apiGroups: [""]
    resources: ["persistentvolumes"]
    verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
  - apiGroups: [""]
    resources: ["events"]
    verbs: ["create", "patch"]
  - apiGroups: ["storage.k8s.io"]
    resources: ["storageclasses"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: incluster-local-path-provisioner
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: incluster-local-path-provisioner
subjects:
  - kind: ServiceAccount
    name: local-path-provisioner
    namespace: local-path-storage
---
# Helper pods (which make and remove the volume directories) run in the provisioner's namespace.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: local-path-provisioner-helpers
  namespace: local-path-storage
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: local-path-provisioner-helpers
  namespace: local-path-storage
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: local-path-provisioner-helpers
subjects:
  - kind: ServiceAccount
    name: local-path-provisioner
    namespace: local-path-storage
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-path-config
  namespace: local-path-storage
data:
  config.json: |-
    {"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": ["${VOLUME_ROOT}"]}]}
  setup: |-
    #!/bin/sh
    set -eu
    mkdir -m 0777 -p "$VOL_DIR"
  teardown: |-
    #!/bin/sh
    set -eu
    rm -rf "$VOL_DIR"
  helperPod.yaml: |-
    apiVersion: v1
    kind: Pod
    metadata:
      name: helper-pod
    spec:
      priorityClassName: system-node-critical
      tolerations:
        - operator: Exists
      containers:
        - name: helper-pod
          image: ${BUSYBOX_IMAGE}
          imagePullPolicy: Never
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: local-path-provisioner
  namespace: local-path-storage
spec:
  replicas: 1
  selector:
    matchLabels:
      app: local-path-provisioner
  template:
    metadata:
      labels:
        app: local-path-provisioner
    spec:
      serviceAccountName: local-path-provisioner
      priorityClassName: system-cluster-critical
      tolerations:
        - key: node-role.kubernetes.io/control-plane
          operator: Exists
          effect: NoSchedule
      nodeSelector:
        kubernetes.io/os: linux
      containers:
        - name: local-path-provisioner
          image: ${LOCAL_PATH_PROVISIONER_IMAGE}
          imagePullPolicy: Never
          command: ["local-path-provisioner", "--debug", "start", "--config", "/etc/config/config.json"]
          env:
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: CONFIG_MOUNT_PATH
              value: /etc/config/
            # The helper pods run as this account too (the provisioner's default name differs).
            - name: SERVICE_ACCOUNT_NAME
              value: local-path-provisioner
          volumeMounts:
            - name: config
              mountPath: /etc/config/
      volumes:
        - name: config
          configMap:
            name: local-path-config
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: ${LOCAL_PATH_PROVISIONER}
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
`;
