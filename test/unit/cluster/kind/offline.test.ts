// The pieces of offline kind that need no cluster: the runtime wrapper (run for real on a bundle
// with a stand-in runc), the kind engine's command line, the network guard's routes and rules, and
// the node image's manifests and configuration. The whole path (`up` and `down` with the real kind)
// is test/lifecycle/kind-offline.test.ts.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { dockerdArgs } from '../../../../src/cluster/host/dockerd.ts';
import {
  kindEnginePaths,
  kindEngineSpec,
  KIND_ENGINE,
} from '../../../../src/cluster/providers/kind/host/engine.ts';
import {
  guardChainRules,
  guardRouteArgs,
  GUARD_ROUTE_METRIC,
} from '../../../../src/cluster/providers/kind/host/network-guard.ts';
import {
  missingCapabilities,
  NODE_RUNTIME_WRAPPER,
  runtimeWrapperScript,
} from '../../../../src/cluster/host/runtime-wrapper.ts';
import { ENTRYPOINT } from '../../../../src/cluster/images/kind-node/files.ts';
import { nodeRootfsFiles } from '../../../../src/cluster/images/kind-node/base.ts';
import { podNetworkManifest } from '../../../../src/cluster/images/kind-node/pod-network.ts';
import {
  kubeadmImages,
  LOCAL_PATH_PROVISIONER_IMAGE,
  POD_NETWORK_IMAGE,
} from '../../../../src/cluster/images/kind-node/names.ts';
import { STORAGE_MANIFEST } from '../../../../src/cluster/images/kind-node/storage.ts';
import { kindConfigSubnets } from '../../../../src/cluster/providers/kind/offline.ts';

const hasJq = (() => {
  try {
    execFileSync('jq', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('runtime wrapper', { tags: ['001-FR-101'] }, () => {
  test('a CapBnd mask names exactly the capabilities it lacks', () => {
    expect(missingCapabilities('000001fffeffffff')).toEqual(['CAP_SYS_RESOURCE']);
    expect(missingCapabilities('000001ffffffffff')).toEqual([]);
  });

  test.skipIf(!hasJq)('removes the missing capability from every list of the bundle, then execs runc', () => {
    const dir = mkdtempSync(join(tmpdir(), 'incluster-wrapper-'));
    const fakeRunc = join(dir, 'runc');
    writeFileSync(fakeRunc, '#!/bin/sh\necho "runc $*"\n');
    chmodSync(fakeRunc, 0o755);
    const wrapper = join(dir, 'incluster-runc');
    writeFileSync(wrapper, runtimeWrapperScript(['CAP_SYS_RESOURCE'], fakeRunc));
    chmodSync(wrapper, 0o755);
    const all = ['CAP_CHOWN', 'CAP_SYS_RESOURCE', 'CAP_SYS_ADMIN'];
    const caps = { bounding: all, effective: all, permitted: all, inheritable: all, ambient: all };
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ ociVersion: '1.0.2', process: { capabilities: caps } }),
    );
    const process = join(dir, 'process.json');
    writeFileSync(process, JSON.stringify({ args: ['sh'], capabilities: caps }));

    const created = execFileSync(wrapper, ['--root', '/r', 'create', '--bundle', dir, 'id1'], {
      encoding: 'utf8',
    });
    expect(created.trim()).toBe(`runc --root /r create --bundle ${dir} id1`);
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      process: { capabilities: Record<string, string[]> };
    };
    for (const list of Object.values(spec.process.capabilities))
      expect(list).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);

    execFileSync(wrapper, ['exec', '--process', process, '--detach', 'id1'], { encoding: 'utf8' });
    const exec = JSON.parse(readFileSync(process, 'utf8')) as { capabilities: Record<string, string[]> };
    expect(exec.capabilities.bounding).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  });

  test('the node image runs its containerd through the wrapper, with OOM scores it may set', () => {
    const config = nodeRootfsFiles([])['etc/containerd/config.toml']!;
    expect(config).toContain(`BinaryName = "${NODE_RUNTIME_WRAPPER}"`);
    expect(config).toContain('restrict_oom_score_adj = true');
    expect(config).toContain('SystemdCgroup = true');
    expect(config).toContain(`sandbox_image = "${kubeadmImages().pause}"`);
    expect(kubeadmImages().pause).toBe('registry.k8s.io/pause:3.10.1');
    expect(nodeRootfsFiles(['CAP_SYS_RESOURCE'])[NODE_RUNTIME_WRAPPER.slice(1)]).toContain(
      'CAP_SYS_RESOURCE',
    );
  });

  test('the kind engine makes the wrapper its default runtime only where a capability is missing', () => {
    const paths = kindEnginePaths('/cache');
    const args = dockerdArgs(kindEngineSpec(paths, true));
    expect(args).toEqual(
      expect.arrayContaining(['--default-runtime', KIND_ENGINE.runtimeName, '--iptables=false']),
    );
    expect(args).toContain(`${KIND_ENGINE.runtimeName}=${paths.wrapper}`);
    expect(args).toContain(`/${KIND_ENGINE.cgroupParent}`);
    expect(paths.dataRoot).toBe('/cache/kind/docker');
    expect(args).toEqual(
      expect.arrayContaining(['--default-address-pool', `base=${KIND_ENGINE.addressPool},size=24`]),
    );
    expect(args).toContain('--userland-proxy=true');
    expect(dockerdArgs(kindEngineSpec(paths, false))).not.toContain('--default-runtime');
  });
});

describe('node cgroups', { tags: ['001-FR-101'] }, () => {
  test('the node entrypoint refuses cgroup v1 without a private cgroup namespace', () => {
    expect(ENTRYPOINT).toContain('refusing to start: cgroup v1 without a private cgroup namespace');
    // It never writes under a path it has not checked is the namespace's own root.
    expect(ENTRYPOINT.indexOf('refusing to start')).toBeLessThan(
      ENTRYPOINT.indexOf('mkdir -p "$hierarchy/$root"'),
    );
  });
});

describe('network guard', { tags: ['001-FR-102'] }, () => {
  test('unreachable routes of our own metric, IPv4 and IPv6', () => {
    expect(guardRouteArgs('replace', '10.96.0.0/16')).toEqual([
      'route',
      'replace',
      'unreachable',
      '10.96.0.0/16',
      'metric',
      GUARD_ROUTE_METRIC,
    ]);
    expect(guardRouteArgs('del', 'fc00:f853:ccd:e793::/64').slice(0, 2)).toEqual(['-6', 'route']);
  });

  test('forwarded traffic stays inside the cluster ranges, everything else is dropped', () => {
    expect(guardChainRules(['172.29.0.0/16', '10.244.0.0/16'])).toEqual([
      ['-d', '172.29.0.0/16', '-j', 'RETURN'],
      ['-d', '10.244.0.0/16', '-j', 'RETURN'],
      ['-j', 'DROP'],
    ]);
  });

  test('the ranges come from the pinned kind config', () => {
    const text = readFileSync(
      resolve(import.meta.dirname, '../../../../testing/k8s/kind-config.yaml'),
      'utf8',
    );
    expect(kindConfigSubnets(text)).toEqual({ pods: '10.244.0.0/16', services: '10.96.0.0/16' });
    expect(kindConfigSubnets('kind: Cluster\n')).toEqual({ pods: '10.244.0.0/16', services: '10.96.0.0/16' });
  });
});

describe('offline node image contents', { tags: ['001-FR-100'] }, () => {
  test('the default CNI manifest is valid YAML running the local pod network image, never pulled', () => {
    const docs = parseAllDocuments(podNetworkManifest()).map((doc) => doc.toJS() as Record<string, unknown>);
    expect(docs.map((doc) => doc.kind)).toEqual([
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'DaemonSet',
    ]);
    const daemonSet = docs[3] as {
      spec: {
        template: { spec: { containers: { image: string; imagePullPolicy: string; args: string[] }[] } };
      };
    };
    const container = daemonSet.spec.template.spec.containers[0]!;
    expect(container.image).toBe(POD_NETWORK_IMAGE);
    expect(container.imagePullPolicy).toBe('Never');
    expect(container.args[0]).toContain('ip route replace "$cidr" via "$address"');
  });

  test('the node carries the files kind reads: its version and both manifests', () => {
    const files = nodeRootfsFiles([]);
    expect(files['kind/version']).toBe('v1.34.4\n');
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['kind/manifests/default-cni.yaml', 'kind/manifests/default-storage.yaml']),
    );
  });

  test('the multi-node config is the research config plus two workers', () => {
    const read = (name: string) =>
      parse(readFileSync(resolve(import.meta.dirname, '../../../../testing/k8s', name), 'utf8')) as {
        nodes: { role: string; image: string; kubeadmConfigPatches?: string[] }[];
        networking: unknown;
      };
    const single = read('kind-config.yaml');
    const multi = read('kind-config-multinode.yaml');
    expect(multi.nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    expect(new Set(multi.nodes.map((n) => n.image))).toEqual(new Set([single.nodes[0]!.image]));
    // The research's control plane, registered without its NoSchedule taint: three nodes take pods.
    const [untaint, ...rest] = multi.nodes[0]!.kubeadmConfigPatches ?? [];
    expect(parse(untaint!)).toEqual({ kind: 'InitConfiguration', nodeRegistration: { taints: [] } });
    expect({ ...multi.nodes[0], kubeadmConfigPatches: rest }).toEqual(single.nodes[0]);
    expect(multi.networking).toEqual(single.networking);
  });

  test('the default storage is local-path-provisioner, run from images already in the node', () => {
    const docs = parseAllDocuments(STORAGE_MANIFEST).map((doc) => doc.toJS() as Record<string, unknown>);
    const storageClass = docs.find((doc) => doc.kind === 'StorageClass') as {
      metadata: { name: string; annotations: Record<string, string> };
      provisioner: string;
    };
    expect(storageClass.metadata.name).toBe('standard');
    expect(storageClass.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(storageClass.provisioner).toBe('rancher.io/local-path');
    expect(STORAGE_MANIFEST).toContain(`image: ${LOCAL_PATH_PROVISIONER_IMAGE}`);
    expect(STORAGE_MANIFEST).not.toMatch(/imagePullPolicy: (?!Never)/);
  });

  test('image names are those kubeadm v1.34 asks for', () => {
    expect(Object.values(kubeadmImages())).toEqual([
      'registry.k8s.io/kube-apiserver:v1.34.4',
      'registry.k8s.io/kube-controller-manager:v1.34.4',
      'registry.k8s.io/kube-scheduler:v1.34.4',
      'registry.k8s.io/kube-proxy:v1.34.4',
      'registry.k8s.io/etcd:3.6.5-0',
      'registry.k8s.io/coredns/coredns:v1.12.1',
      'registry.k8s.io/pause:3.10.1',
    ]);
  });
});
