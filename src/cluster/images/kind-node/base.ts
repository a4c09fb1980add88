// The node image before its images are imported: Debian minbase with systemd and the node's
// packages (containerd, runc and the CNI plugins from Debian), the Kubernetes node binaries, our
// entrypoint, units and configuration, and the /kind/ files kind reads from every node image.
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { containerdConfig } from '../../host/containerd-config.ts';
import { goBuildKey } from '../../host/go-build.ts';
import { kubernetesProgram } from '../../host/kubernetes.ts';
import { NODE_RUNTIME_WRAPPER, runtimeWrapperScript } from '../../host/runtime-wrapper.ts';
import { KUBERNETES_VERSION } from '../../versions.ts';
import { buildImage } from '../docker-cli.ts';
import { PAUSE_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceTemplate } from '../../../source-files.ts';
import { debianBaseRecipe } from '../recipes/debian-base.ts';
import { CRICTL_PROGRAM, type NodeBinaries } from './binaries.ts';
import {
  CONTAINERD_SERVICE,
  CRICTL_CONFIG,
  ENTRYPOINT,
  KUBELET_KUBEADM_DROPIN,
  KUBELET_SERVICE,
  KUBELET_SLICE,
} from './files.ts';
import { podNetworkManifest } from './pod-network.ts';
import { STORAGE_MANIFEST } from './storage.ts';

/** Debian packages of a kind node: systemd, the container runtime, and what kubelet/kubeadm call. */
export const NODE_PACKAGES = [
  'systemd',
  'containerd',
  'runc',
  'containernetworking-plugins',
  'conntrack',
  'iptables',
  'iproute2',
  'ethtool',
  'util-linux',
  'mount',
  'kmod',
  'libseccomp2',
  'pigz',
  'bash',
  'ca-certificates',
  'jq',
  'procps',
  'socat',
];

/**
 * The Dockerfile. systemd in a container boots fastest and quietest with nothing enabled but our
 * two services: the distribution's wanted-by links are removed (getty, udev, timers), journald does
 * not read the host's kmsg, and binfmt (host-wide) stays masked.
 */
export const NODE_BASE_DOCKERFILE = sourceTemplate(import.meta.url, 'base/Dockerfile', {
  DEBIAN_BASE_IMAGE: debianBaseRecipe.image,
  NODE_PACKAGES: NODE_PACKAGES.join(' '),
  NODE_RUNTIME_WRAPPER,
});

/** The files copied over the Debian root, relative to `/`. */
export function nodeRootfsFiles(missingCapabilities: readonly string[]): Record<string, string> {
  return {
    'usr/local/bin/entrypoint': ENTRYPOINT,
    [NODE_RUNTIME_WRAPPER.slice(1)]: runtimeWrapperScript(missingCapabilities),
    'etc/systemd/system/containerd.service': CONTAINERD_SERVICE,
    'etc/systemd/system/kubelet.service': KUBELET_SERVICE,
    'etc/systemd/system/kubelet.service.d/10-kubeadm.conf': KUBELET_KUBEADM_DROPIN,
    'etc/systemd/system/kubelet.slice': KUBELET_SLICE,
    'etc/containerd/config.toml': containerdConfig({
      sandboxImage: PAUSE_IMAGE,
      cniConfDir: '/etc/cni/net.d',
      systemdCgroup: true,
      runcBinary: NODE_RUNTIME_WRAPPER,
    }),
    'etc/crictl.yaml': CRICTL_CONFIG,
    'kind/version': `v${KUBERNETES_VERSION}\n`,
    'kind/manifests/default-cni.yaml': podNetworkManifest(),
    'kind/manifests/default-storage.yaml': STORAGE_MANIFEST,
  };
}

/**
 * The node base recipe; `missingCapabilities` is what the wrapper inside the node removes. Its key:
 * the Dockerfile, every file copied over the Debian root, and the build inputs of the binaries it
 * carries (kubeadm, kubelet, kubectl, crictl). It is most of the node image (about 1.5 GB), so it
 * lives only in the kind engine, never in the archives.
 */
export function nodeBaseRecipe(
  image: string,
  binaries: () => NodeBinaries,
  missingCapabilities: readonly string[],
): ImageRecipe {
  return {
    image,
    base: debianBaseRecipe,
    archive: false,
    definition: () => [
      NODE_BASE_DOCKERFILE,
      JSON.stringify(nodeRootfsFiles(missingCapabilities)),
      goBuildKey(kubernetesProgram()),
      goBuildKey(CRICTL_PROGRAM),
    ],
    async build(ctx) {
      const context = join(ctx.workDir, 'context');
      const rootfs = join(context, 'rootfs');
      for (const [path, text] of Object.entries(nodeRootfsFiles(missingCapabilities))) {
        await mkdir(dirname(join(rootfs, path)), { recursive: true });
        await writeFile(join(rootfs, path), text);
      }
      const built = binaries();
      await mkdir(join(rootfs, 'usr/bin'), { recursive: true });
      for (const name of ['kubeadm', 'kubelet', 'kubectl'])
        await copyFile(join(built.kubernetesBinDir, name), join(rootfs, 'usr/bin', name));
      await copyFile(built.crictl, join(rootfs, 'usr/local/bin/crictl'));
      await chmod(join(rootfs, 'usr/local/bin/crictl'), 0o755);
      await writeFile(join(context, 'Dockerfile'), NODE_BASE_DOCKERFILE);
      await buildImage(ctx.docker, context, image, ctx.key, { signal: ctx.signal, onStep: ctx.progress });
    },
  };
}
