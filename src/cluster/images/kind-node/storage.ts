// The node image's default storage (kind applies /kind/manifests/default-storage.yaml at create):
// local-path-provisioner, as in kind's own images, built locally (components.ts) and run with
// images that are already in the node (imagePullPolicy Never). A claim gets a hostPath volume under
// the node's /var (a Docker volume per node, so it goes with the cluster), made and removed by
// helper pods running busybox.
import { BUSYBOX_IMAGE } from '../names.ts';
import { LOCAL_PATH_PROVISIONER_IMAGE } from './names.ts';
import { sourceTemplate } from '../../../source-files.ts';

/** Where volumes live on each node. */
const VOLUME_ROOT = '/var/local-path-provisioner';

/** The provisioner's name in StorageClasses and PersistentVolumes (the upstream one, so PVs read as usual). */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';

export const STORAGE_MANIFEST = sourceTemplate(import.meta.url, 'storage/default-storage.yaml', {
  VOLUME_ROOT,
  BUSYBOX_IMAGE,
  LOCAL_PATH_PROVISIONER_IMAGE,
  LOCAL_PATH_PROVISIONER,
});
