// The Debian packages image builds need, in the shape the local provider's installer takes
// ({ provides, pkg }: a command on PATH or an absolute file, and the package that provides it).

/** Packages whose commands or files building the cluster images uses. */
export const IMAGE_DEBIAN_PACKAGES: { provides: string; pkg: string }[] = [
  { provides: 'dockerd', pkg: 'docker.io' },
  { provides: 'docker', pkg: 'docker.io' },
  { provides: 'containerd', pkg: 'containerd' },
  { provides: 'ctr', pkg: 'containerd' },
  { provides: 'debootstrap', pkg: 'debootstrap' },
  { provides: '/bin/busybox', pkg: 'busybox-static' },
  { provides: 'gcc', pkg: 'gcc' },
  { provides: '/usr/include/stdio.h', pkg: 'libc6-dev' },
  { provides: 'tar', pkg: 'tar' },
];
