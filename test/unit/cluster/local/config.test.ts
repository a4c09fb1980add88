import { describe, expect, test } from 'vitest';
import { versionLdflags, wrapperGoMod } from '../../../../src/cluster/host/kubernetes.ts';
import {
  cniConfig,
  kubeletConfig,
  localContainerdConfig,
} from '../../../../src/cluster/providers/local/components.ts';
import { localLayout, NETWORK } from '../../../../src/cluster/providers/local/layout.ts';
import { guardRules } from '../../../../src/cluster/providers/local/network.ts';
import { certificateSpecs, extensionsFor } from '../../../../src/cluster/providers/local/pki.ts';

const upstream = `module k8s.io/kubernetes

go 1.24.0

require (
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/kube-openapi => k8s.io/kube-openapi v0.0.0-2025
)
`;

describe('local provider: building Kubernetes from published modules', { tags: ['001-FR-009'] }, () => {
  test('the wrapper replaces every staging module, and only those, with its published tag', () => {
    const mod = wrapperGoMod(upstream, '1.34.4');
    expect(mod).toContain('require k8s.io/kubernetes v1.34.4');
    expect(mod).toContain('\tk8s.io/api => k8s.io/api v0.34.4');
    expect(mod).toContain('\tk8s.io/client-go => k8s.io/client-go v0.34.4');
    expect(mod).not.toContain('kube-openapi');
  });

  test('a go.mod without staging replacements is rejected rather than building something else', () => {
    expect(() => wrapperGoMod('module x\n', '1.34.4')).toThrow(/no staging replacements/);
  });

  test('the version is stamped into both version packages', () => {
    const flags = versionLdflags('1.34.4');
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      expect(flags).toContain(`-X ${pkg}.gitVersion=v1.34.4`);
      expect(flags).toContain(`-X ${pkg}.gitMinor=34`);
    }
  });
});

describe('local provider: node configuration', { tags: ['001-FR-001'] }, () => {
  const layout = localLayout('floe-test', '/tmp/state');

  test('the API server certificate is valid for every name pods and the host use', () => {
    const apiserver = certificateSpecs(layout).find((spec) => spec.name === 'apiserver')!;
    const ext = extensionsFor(apiserver);
    for (const name of [
      'DNS:kubernetes.default.svc.cluster.local',
      `IP:${NETWORK.apiServiceIp}`,
      `IP:${NETWORK.nodeIp}`,
      'IP:127.0.0.1',
    ]) {
      expect(ext).toContain(name);
    }
    expect(ext).toContain('extendedKeyUsage=serverAuth');
  });

  test('the kubelet client certificate names the node, so the Node authorizer accepts it', () => {
    const kubelet = certificateSpecs(layout).find((spec) => spec.name === 'kubelet-client')!;
    expect(kubelet.commonName).toBe('system:node:floe-test-control-plane');
    expect(kubelet.organization).toBe('system:nodes');
  });

  test('containerd and the kubelet agree on the cgroup driver and the socket, and never share a system containerd', () => {
    const containerd = localContainerdConfig(layout);
    const kubelet = kubeletConfig(layout);
    expect(containerd).toContain('SystemdCgroup = false');
    expect(kubelet).toContain('cgroupDriver: cgroupfs');
    expect(containerd).toContain(`address = "${layout.containerdSocket}"`);
    expect(kubelet).toContain(`containerRuntimeEndpoint: unix://${layout.containerdSocket}`);
    expect(layout.containerdSocket).not.toBe('/run/containerd/containerd.sock');
    expect(containerd).toContain('restrict_oom_score_adj = true');
    expect(containerd).toContain('sandbox_image = "registry.k8s.io/pause:3.10.1"');
    expect(containerd).not.toContain('BinaryName');
  });

  test('the pod network leaves no masquerade chains to clean up', () => {
    const cni = JSON.parse(cniConfig(layout)) as {
      plugins: { type: string; ipMasq: boolean; bridge: string }[];
    };
    expect(cni.plugins.map((p) => p.type)).toEqual(['bridge']);
    expect(cni.plugins[0]!.ipMasq).toBe(false);
    expect(cni.plugins[0]!.bridge).toBe(NETWORK.podBridge);
  });
});

describe(
  'local provider: traffic for the cluster ranges never leaves the machine',
  { tags: ['001-FR-052'] },
  () => {
    test('the guard drops packets for every cluster range unless they go to our bridges or loopback', () => {
      const rules = guardRules().map((r) => r.join(' '));
      const firstDrop = rules.findIndex((r) => r.endsWith('-j DROP'));
      expect(rules.slice(0, firstDrop)).toEqual([
        `-o ${NETWORK.podBridge} -j ACCEPT`,
        `-o ${NETWORK.nodeBridge} -j RETURN`,
        '-o lo -j RETURN',
      ]);
      expect(rules.slice(firstDrop)).toEqual([
        `-d ${NETWORK.podCidr} -j DROP`,
        `-d ${NETWORK.serviceCidr} -j DROP`,
        `-d ${NETWORK.nodeIp}/32 -j DROP`,
      ]);
    });
  },
);
