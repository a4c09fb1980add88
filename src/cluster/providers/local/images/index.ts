// Container images for the local cluster, built on this machine without any registry: the Docker
// engine that builds them, the cluster's base images, and loading images into containerd. Exports
// what the local provider, its tests and the image benchmark use; the rest stays in its module.
export { stopDockerEngine, type DockerEngine } from './docker-engine.ts';
export {
  CLUSTER_IMAGES,
  buildableImages,
  ensureClusterImages,
  RUNNER_BASE_IMAGES,
  type ClusterImagesReport,
} from './cluster-images.ts';
export { importImagesIntoContainerd, pruneContainerdImages } from './containerd-images.ts';
export {
  BUSYBOX_IMAGE,
  COREDNS_IMAGE,
  COREDNS_VERSION,
  NODE_IMAGE,
  NODE_VERSION,
  PAUSE_IMAGE,
  POSTGRES_IMAGE,
} from './image-names.ts';
export { IMAGE_DEBIAN_PACKAGES } from './debian-packages.ts';
