// The images kubeadm and kind run inside the node, built locally under the names kubeadm asks for:
// the control plane and etcd as one static binary each, kube-proxy on Debian (it needs iptables
// and conntrack), CoreDNS as the nonroot user like the official image, our pause program under
// kubeadm's sandbox name, and the pod network's image. Each is an ImageRecipe, cached by key.
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../../process/exec.ts';
import { debianBaseRecipe } from '../../local/images/debian-base-image.ts';
import { busyboxRecipe } from '../../local/images/busybox-image.ts';
import { buildImage, importRootfs } from '../../local/images/docker-cli.ts';
import { PAUSE_C_SOURCE, pauseCompileArgs } from '../../local/images/pause-image.ts';
import { moduleText, type ImageRecipe } from '../../local/images/recipe.ts';
import { writeRootfsSkeleton } from '../../local/images/static-rootfs.ts';
import type { NodeBinaries } from './binaries.ts';
import { POD_NETWORK_IMAGE } from './pod-network.ts';
import {
  CRICTL_VERSION,
  ETCD_VERSION,
  kubeadmImages,
  LOCAL_PATH_PROVISIONER_IMAGE,
  LOCAL_PATH_PROVISIONER_VERSION,
  NODE_COREDNS_VERSION,
  NODE_KUBERNETES_VERSION,
} from './versions.ts';

const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** An image holding one static binary in /usr/local/bin (kubeadm's manifests call it by name). */
function staticBinaryRecipe(image: string, version: string, binary: () => string, name: string): ImageRecipe {
  return {
    image,
    definition: async () => [version, name, await moduleText(import.meta.url)],
    async build(ctx) {
      const rootfs = join(ctx.workDir, 'rootfs');
      await writeRootfsSkeleton(rootfs, [{ name: 'root', uid: 0, home: '/root', shell: '/sbin/nologin' }]);
      await mkdir(join(rootfs, 'usr/local/bin'), { recursive: true });
      await copyFile(binary(), join(rootfs, 'usr/local/bin', name));
      await chmod(join(rootfs, 'usr/local/bin', name), 0o755);
      await importRootfs(
        ctx.docker,
        rootfs,
        image,
        ctx.key,
        [PATH_ENV, `ENTRYPOINT ["/usr/local/bin/${name}"]`],
        {
          workDir: ctx.workDir,
          signal: ctx.signal,
        },
      );
    },
  };
}

/** kube-proxy in iptables mode runs iptables-restore and conntrack: Debian's, nft backend like the node's. */
function kubeProxyRecipe(image: string, binary: () => string): ImageRecipe {
  const dockerfile = `FROM ${debianBaseRecipe.image}
RUN apt-get update && apt-get install -y iptables conntrack && rm -rf /var/lib/apt/lists/*
COPY kube-proxy /usr/local/bin/kube-proxy
`;
  return {
    image,
    base: debianBaseRecipe,
    definition: async () => [NODE_KUBERNETES_VERSION, dockerfile, await moduleText(import.meta.url)],
    async build(ctx) {
      const context = join(ctx.workDir, 'context');
      await mkdir(context);
      await copyFile(binary(), join(context, 'kube-proxy'));
      await chmod(join(context, 'kube-proxy'), 0o755);
      await writeFile(join(context, 'Dockerfile'), dockerfile);
      await buildImage(ctx.docker, context, image, ctx.key, { signal: ctx.signal, onStep: ctx.progress });
    },
  };
}

/** CoreDNS as the distroless `nonroot` user, entrypoint /coredns, like the published image. */
function corednsRecipe(image: string, binary: () => string): ImageRecipe {
  return {
    image,
    definition: async () => [NODE_COREDNS_VERSION, await moduleText(import.meta.url)],
    async build(ctx) {
      const rootfs = join(ctx.workDir, 'rootfs');
      await writeRootfsSkeleton(rootfs, [
        { name: 'root', uid: 0, home: '/root', shell: '/sbin/nologin' },
        { name: 'nonroot', uid: 65532, home: '/home/nonroot', shell: '/sbin/nologin' },
      ]);
      await copyFile(binary(), join(rootfs, 'coredns'));
      await chmod(join(rootfs, 'coredns'), 0o755);
      await importRootfs(
        ctx.docker,
        rootfs,
        image,
        ctx.key,
        ['USER 65532:65532', 'EXPOSE 53 53/udp', 'ENTRYPOINT ["/coredns"]'],
        { workDir: ctx.workDir, signal: ctx.signal },
      );
    },
  };
}

/** The local provider's pause program (our own C source) under the sandbox name kubeadm v1.34 expects. */
function pauseRecipe(image: string): ImageRecipe {
  return {
    image,
    definition: async () => [PAUSE_C_SOURCE, await moduleText(import.meta.url)],
    async build(ctx) {
      const source = join(ctx.workDir, 'pause.c');
      const rootfs = join(ctx.workDir, 'rootfs');
      await mkdir(rootfs);
      await writeFile(source, PAUSE_C_SOURCE);
      await runCommand('gcc', pauseCompileArgs(source, join(rootfs, 'pause')), { signal: ctx.signal });
      await importRootfs(ctx.docker, rootfs, image, ctx.key, ['ENTRYPOINT ["/pause"]'], {
        workDir: ctx.workDir,
        signal: ctx.signal,
      });
    },
  };
}

/** The pod network's image: busybox's sh and ip, plus kubectl to read the nodes. */
function podNetworkRecipe(kubectl: () => string): ImageRecipe {
  const dockerfile = `FROM ${busyboxRecipe.image}
COPY kubectl /usr/local/bin/kubectl
`;
  return {
    image: POD_NETWORK_IMAGE,
    base: busyboxRecipe,
    definition: async () => [NODE_KUBERNETES_VERSION, dockerfile, await moduleText(import.meta.url)],
    async build(ctx) {
      const context = join(ctx.workDir, 'context');
      await mkdir(context);
      await copyFile(kubectl(), join(context, 'kubectl'));
      await chmod(join(context, 'kubectl'), 0o755);
      await writeFile(join(context, 'Dockerfile'), dockerfile);
      await buildImage(ctx.docker, context, POD_NETWORK_IMAGE, ctx.key, {
        signal: ctx.signal,
        onStep: ctx.progress,
      });
    },
  };
}

/** Every image the node's containerd must hold before kind runs kubeadm, given the built binaries. */
export function componentRecipes(binaries: () => NodeBinaries): ImageRecipe[] {
  const names = kubeadmImages();
  const k8s = (name: string) => () => join(binaries().kubernetesBinDir, name);
  return [
    staticBinaryRecipe(names.apiserver, NODE_KUBERNETES_VERSION, k8s('kube-apiserver'), 'kube-apiserver'),
    staticBinaryRecipe(
      names.controllerManager,
      NODE_KUBERNETES_VERSION,
      k8s('kube-controller-manager'),
      'kube-controller-manager',
    ),
    staticBinaryRecipe(names.scheduler, NODE_KUBERNETES_VERSION, k8s('kube-scheduler'), 'kube-scheduler'),
    staticBinaryRecipe(names.etcd, ETCD_VERSION, () => binaries().etcd, 'etcd'),
    kubeProxyRecipe(names.proxy, k8s('kube-proxy')),
    corednsRecipe(names.coredns, () => binaries().coredns),
    pauseRecipe(names.pause),
    podNetworkRecipe(k8s('kubectl')),
    staticBinaryRecipe(
      LOCAL_PATH_PROVISIONER_IMAGE,
      LOCAL_PATH_PROVISIONER_VERSION,
      () => binaries().localPathProvisioner,
      'local-path-provisioner',
    ),
    // incluster's own DNS check after `up` runs it (src/cluster/lifecycle.ts), like the local
    // cluster; local-path-provisioner's helper pods too.
    busyboxRecipe,
  ];
}

/** Versions that define the node's own programs (part of the node image's key). */
export const NODE_PROGRAM_VERSIONS = [
  NODE_KUBERNETES_VERSION,
  ETCD_VERSION,
  NODE_COREDNS_VERSION,
  CRICTL_VERSION,
  LOCAL_PATH_PROVISIONER_VERSION,
];
