// The node image's default storage (kind applies /kind/manifests/default-storage.yaml at create).
// kind's own default is local-path-provisioner, whose image cannot be pulled here; until it is
// built locally, the offline image declares the `standard` default class for statically created
// local PersistentVolumes: claims bind to volumes an administrator (or a test) creates, and a claim
// without a volume stays Pending instead of failing obscurely.
export const STORAGE_MANIFEST = `# incluster's offline storage class (see src/cluster/providers/kind/node-image/storage.ts)
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
`;
