// The images kubeadm and kind run inside the node, built locally under the names kubeadm asks for:
// the control plane and etcd as one static binary each, kube-proxy on Debian (it needs iptables
// and conntrack), the pod network's image and local-path-provisioner; CoreDNS, pause and busybox
// are the same images (and recipes) as the local cluster's. Each is an ImageRecipe, cached by key.
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { goBuildKey, type GoProgram } from '../../host/go-build.ts';
import { kubernetesProgram } from '../../host/kubernetes.ts';
import { buildImage, importRootfs } from '../docker-cli.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceTemplate } from '../../../source-files.ts';
import { busyboxRecipe } from '../recipes/busybox.ts';
import { corednsRecipe } from '../recipes/coredns.ts';
import { debianBaseRecipe } from '../recipes/debian-base.ts';
import { pauseRecipe } from '../recipes/pause.ts';
import { writeRootfsSkeleton, type RootfsUser } from '../recipes/static-rootfs.ts';
import { ETCD_PROGRAM, LOCAL_PATH_PROVISIONER_PROGRAM, type NodeBinaries } from './binaries.ts';
import { kubeadmImages, LOCAL_PATH_PROVISIONER_IMAGE, POD_NETWORK_IMAGE } from './names.ts';

const PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const ROOT_ONLY: RootfsUser[] = [{ name: 'root', uid: 0, home: '/root', shell: '/sbin/nologin' }];

/** An image holding one static binary in /usr/local/bin (kubeadm's manifests call it by name). */
function staticBinaryRecipe(
  image: string,
  program: GoProgram,
  name: string,
  binary: () => string,
): ImageRecipe {
  const changes = [PATH_ENV, `ENTRYPOINT ["/usr/local/bin/${name}"]`];
  return {
    image,
    definition: () => [goBuildKey(program), name, JSON.stringify(ROOT_ONLY), ...changes],
    async build(ctx) {
      const rootfs = join(ctx.workDir, 'rootfs');
      await writeRootfsSkeleton(rootfs, ROOT_ONLY);
      await mkdir(join(rootfs, 'usr/local/bin'), { recursive: true });
      await copyFile(binary(), join(rootfs, 'usr/local/bin', name));
      await chmod(join(rootfs, 'usr/local/bin', name), 0o755);
      await importRootfs(ctx.docker, rootfs, image, ctx.key, changes, {
        workDir: ctx.workDir,
        signal: ctx.signal,
      });
    },
  };
}

/** An image FROM `base` that adds one binary of `program` with a Dockerfile. */
function dockerfileRecipe(
  image: string,
  base: ImageRecipe,
  program: GoProgram,
  name: string,
  dockerfile: string,
  binary: () => string,
): ImageRecipe {
  return {
    image,
    base,
    definition: () => [goBuildKey(program), name, dockerfile],
    async build(ctx) {
      const context = join(ctx.workDir, 'context');
      await mkdir(context);
      await copyFile(binary(), join(context, name));
      await chmod(join(context, name), 0o755);
      await writeFile(join(context, 'Dockerfile'), dockerfile);
      await buildImage(ctx.docker, context, image, ctx.key, { signal: ctx.signal, onStep: ctx.progress });
    },
  };
}

/** kube-proxy in iptables mode runs iptables-restore and conntrack: Debian's, nft backend like the node's. */
const KUBE_PROXY_DOCKERFILE = sourceTemplate(import.meta.url, 'components/kube-proxy.Dockerfile', {
  DEBIAN_BASE_IMAGE: debianBaseRecipe.image,
});

/** The pod network's image: busybox's sh and ip, plus kubectl to read the nodes. */
const POD_NETWORK_DOCKERFILE = sourceTemplate(import.meta.url, 'components/pod-network.Dockerfile', {
  BUSYBOX_IMAGE: busyboxRecipe.image,
});

/** Every image the node's containerd must hold before kind runs kubeadm, given the built binaries. */
export function componentRecipes(binaries: () => NodeBinaries): ImageRecipe[] {
  const names = kubeadmImages();
  const kubernetes = kubernetesProgram();
  const k8s = (name: string) => () => join(binaries().kubernetesBinDir, name);
  const controlPlane = (image: string, name: string) =>
    staticBinaryRecipe(image, kubernetes, name, k8s(name));
  return [
    controlPlane(names.apiserver, 'kube-apiserver'),
    controlPlane(names.controllerManager, 'kube-controller-manager'),
    controlPlane(names.scheduler, 'kube-scheduler'),
    staticBinaryRecipe(names.etcd, ETCD_PROGRAM, 'etcd', () => binaries().etcd),
    dockerfileRecipe(
      names.proxy,
      debianBaseRecipe,
      kubernetes,
      'kube-proxy',
      KUBE_PROXY_DOCKERFILE,
      k8s('kube-proxy'),
    ),
    corednsRecipe,
    pauseRecipe,
    dockerfileRecipe(
      POD_NETWORK_IMAGE,
      busyboxRecipe,
      kubernetes,
      'kubectl',
      POD_NETWORK_DOCKERFILE,
      k8s('kubectl'),
    ),
    staticBinaryRecipe(
      LOCAL_PATH_PROVISIONER_IMAGE,
      LOCAL_PATH_PROVISIONER_PROGRAM,
      'local-path-provisioner',
      () => binaries().localPathProvisioner,
    ),
    // incluster's own DNS check after `up` runs it (src/cluster/lifecycle.ts), like the local
    // cluster; local-path-provisioner's helper pods too.
    busyboxRecipe,
  ];
}
