// Container images for the local cluster, built on this machine without any registry: the Docker
// engine that builds them, the cluster's base images, and loading images into containerd.
export {
  ensureDockerEngine,
  stopDockerEngine,
  DEFAULT_CONTAINERD_SOCKET,
  DEFAULT_DOCKER_HOST,
  type DockerEngine,
  type DockerEngineOptions,
} from './docker-engine.ts';
export {
  CLUSTER_IMAGES,
  ensureClusterImages,
  type ClusterImagesOptions,
  type ClusterImagesReport,
  type ImageOutcome,
} from './cluster-images.ts';
export {
  importImagesIntoContainerd,
  verifyImagesInContainerd,
  type ImportOptions,
} from './containerd-images.ts';
export {
  BUSYBOX_IMAGE,
  COREDNS_IMAGE,
  COREDNS_VERSION,
  NODE_IMAGE,
  NODE_VERSION,
  PAUSE_IMAGE,
  POSTGRES_IMAGE,
} from './image-names.ts';
export { IMAGE_DEBIAN_PACKAGES, IMAGE_DEBIAN_PACKAGE_NAMES } from './debian-packages.ts';
