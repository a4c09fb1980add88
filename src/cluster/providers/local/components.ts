// The processes of a local cluster and their configuration files, in start order. Each is a plain
// command line run by the supervisor; nothing here starts anything.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { containerdConfig } from '../../host/containerd-config.ts';
import { PAUSE_IMAGE } from '../../images/names.ts';
import { NETWORK, type LocalLayout } from './layout.ts';
import { writeKubeconfig } from './pki.ts';
import { sourceTemplate } from '../../../source-files.ts';

/** A supervised process. */
export interface ComponentSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Log file (stdout and stderr). */
  log: string;
}

/** Writes every config file and kubeconfig, and returns the components in start order. */
export async function prepareComponents(layout: LocalLayout, binDir: string): Promise<ComponentSpec[]> {
  await writeComponentFiles(layout);
  return componentSpecs(layout, binDir);
}

/** The kubeconfig file of component `name` (kubelet, scheduler, …). */
function componentKubeconfig(layout: LocalLayout, name: string): string {
  return join(layout.kubeconfigDir, `${name}.kubeconfig`);
}

/** Creates the cluster's directories and writes every kubeconfig and configuration file. */
async function writeComponentFiles(layout: LocalLayout): Promise<void> {
  const { configDir: conf, kubeconfigDir: kcDir } = layout;
  for (const dir of [
    conf,
    kcDir,
    layout.logDir,
    layout.cniConfDir,
    layout.cniDataDir,
    layout.runDir,
    layout.kubeletRoot,
  ]) {
    await mkdir(dir, { recursive: true });
  }
  const server = `https://${NETWORK.nodeIp}:${NETWORK.apiPort}`;
  const kubeconfig = (name: string) => componentKubeconfig(layout, name);
  await writeKubeconfig(layout.adminKubeconfig, layout, 'admin', 'incluster-admin', server);
  await writeKubeconfig(
    kubeconfig('controller-manager'),
    layout,
    'controller-manager',
    'system:kube-controller-manager',
    server,
  );
  await writeKubeconfig(kubeconfig('scheduler'), layout, 'scheduler', 'system:kube-scheduler', server);
  await writeKubeconfig(kubeconfig('kube-proxy'), layout, 'kube-proxy', 'system:kube-proxy', server);
  await writeKubeconfig(
    kubeconfig('kubelet'),
    layout,
    'kubelet-client',
    `system:node:${layout.nodeName}`,
    server,
  );

  await writeFile(join(conf, 'containerd.toml'), localContainerdConfig(layout));
  await writeFile(join(layout.cniConfDir, '10-incluster.conflist'), cniConfig(layout));
  await writeFile(join(conf, 'kubelet.yaml'), kubeletConfig(layout));
  await writeFile(join(conf, 'kube-proxy.yaml'), kubeProxyConfig(layout, kubeconfig('kube-proxy')));
  await writeFile(join(conf, 'scheduler.yaml'), schedulerConfig(kubeconfig('scheduler')));
}

/** The supervised processes in start order, with their command lines; starts and writes nothing. */
function componentSpecs(layout: LocalLayout, binDir: string): ComponentSpec[] {
  const { pkiDir: pki, configDir: conf } = layout;
  const kubeconfig = (name: string) => componentKubeconfig(layout, name);
  const bin = (name: string) => join(binDir, name);
  const log = (name: string) => join(layout.logDir, `${name}.log`);
  return [
    {
      name: 'etcd',
      command: 'etcd',
      args: [
        '--name',
        layout.nodeName,
        '--data-dir',
        layout.etcdDataDir,
        '--listen-client-urls',
        `http://127.0.0.1:${NETWORK.etcdClientPort}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${NETWORK.etcdClientPort}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${NETWORK.etcdPeerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${NETWORK.etcdPeerPort}`,
        '--initial-cluster',
        `${layout.nodeName}=http://127.0.0.1:${NETWORK.etcdPeerPort}`,
        '--quota-backend-bytes',
        String(2 * 1024 * 1024 * 1024),
      ],
      log: log('etcd'),
    },
    {
      name: 'kube-apiserver',
      command: bin('kube-apiserver'),
      args: [
        `--advertise-address=${NETWORK.nodeIp}`,
        `--bind-address=${NETWORK.nodeIp}`,
        `--secure-port=${NETWORK.apiPort}`,
        '--allow-privileged=true',
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NodeRestriction',
        `--client-ca-file=${pki}/ca.crt`,
        `--etcd-servers=http://127.0.0.1:${NETWORK.etcdClientPort}`,
        `--kubelet-client-certificate=${pki}/apiserver-kubelet-client.crt`,
        `--kubelet-client-key=${pki}/apiserver-kubelet-client.key`,
        `--kubelet-certificate-authority=${pki}/ca.crt`,
        '--kubelet-preferred-address-types=InternalIP',
        `--service-account-key-file=${pki}/sa.pub`,
        `--service-account-signing-key-file=${pki}/sa.key`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
        `--tls-cert-file=${pki}/apiserver.crt`,
        `--tls-private-key-file=${pki}/apiserver.key`,
        '--profiling=false',
        '--event-ttl=1h',
      ],
      log: log('kube-apiserver'),
    },
    {
      name: 'kube-controller-manager',
      command: bin('kube-controller-manager'),
      args: [
        `--kubeconfig=${kubeconfig('controller-manager')}`,
        `--authentication-kubeconfig=${kubeconfig('controller-manager')}`,
        `--authorization-kubeconfig=${kubeconfig('controller-manager')}`,
        '--bind-address=127.0.0.1',
        `--cluster-cidr=${NETWORK.podCidr}`,
        `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
        `--cluster-signing-cert-file=${pki}/ca.crt`,
        `--cluster-signing-key-file=${pki}/ca.key`,
        `--root-ca-file=${pki}/ca.crt`,
        `--service-account-private-key-file=${pki}/sa.key`,
        '--use-service-account-credentials=true',
        '--leader-elect=false',
        '--profiling=false',
        // A single-node test cluster: react to a dead node's pods quickly rather than after 5 minutes.
        '--node-monitor-grace-period=20s',
      ],
      log: log('kube-controller-manager'),
    },
    {
      name: 'kube-scheduler',
      command: bin('kube-scheduler'),
      args: [
        `--config=${join(conf, 'scheduler.yaml')}`,
        `--authentication-kubeconfig=${kubeconfig('scheduler')}`,
        `--authorization-kubeconfig=${kubeconfig('scheduler')}`,
        '--bind-address=127.0.0.1',
      ],
      log: log('kube-scheduler'),
    },
    {
      name: 'containerd',
      command: 'containerd',
      args: ['--config', join(conf, 'containerd.toml')],
      log: log('containerd'),
    },
    {
      name: 'kubelet',
      command: bin('kubelet'),
      args: [
        `--config=${join(conf, 'kubelet.yaml')}`,
        `--kubeconfig=${kubeconfig('kubelet')}`,
        `--hostname-override=${layout.nodeName}`,
        `--node-ip=${NETWORK.nodeIp}`,
        `--root-dir=${layout.kubeletRoot}`,
        '--node-labels=incluster.dev/provider=local',
        // Without CAP_SYS_RESOURCE a negative score cannot be set; do not try.
        '--oom-score-adj=0',
      ],
      log: log('kubelet'),
    },
    {
      name: 'kube-proxy',
      command: bin('kube-proxy'),
      args: [`--config=${join(conf, 'kube-proxy.yaml')}`, `--hostname-override=${layout.nodeName}`],
      log: log('kube-proxy'),
    },
  ];
}

/** containerd on the host: our own root, state and socket, so a system containerd is never touched. */
export function localContainerdConfig(layout: LocalLayout): string {
  return containerdConfig({
    sandboxImage: PAUSE_IMAGE,
    cniConfDir: layout.cniConfDir,
    // The host's cgroup v1 tree, with the kubelet's cgroupfs driver.
    systemdCgroup: false,
    paths: { root: layout.containerdRoot, state: layout.containerdState, socket: layout.containerdSocket },
  });
}

/** A bridge network for pods; no masquerade or port-map rules, so CNI leaves no iptables chains behind. */
export function cniConfig(layout: LocalLayout): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'incluster',
      plugins: [
        {
          type: 'bridge',
          bridge: NETWORK.podBridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: layout.cniDataDir,
            ranges: [[{ subnet: NETWORK.podCidr }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
      ],
    },
    null,
    2,
  )}\n`;
}

/** kubelet on cgroup v1 with cgroupfs (containerd's SystemdCgroup = false), webhook auth, no swap check. */
export function kubeletConfig(layout: LocalLayout): string {
  return sourceTemplate(import.meta.url, 'components/kubelet.yaml', {
    PKI_DIR: layout.pkiDir,
    DNS_SERVICE_IP: NETWORK.dnsServiceIp,
    CONTAINERD_SOCKET: layout.containerdSocket,
  });
}

/** kube-proxy in iptables mode; it never changes conntrack sysctls. */
function kubeProxyConfig(layout: LocalLayout, kubeconfigPath: string): string {
  return sourceTemplate(import.meta.url, 'components/kube-proxy.yaml', {
    KUBECONFIG: kubeconfigPath,
    POD_CIDR: NETWORK.podCidr,
    NODE_NAME: layout.nodeName,
    NODE_IP: NETWORK.nodeIp,
  });
}

/** The scheduler with leader election off (a single replica). */
function schedulerConfig(kubeconfigPath: string): string {
  return sourceTemplate(import.meta.url, 'components/scheduler.yaml', { KUBECONFIG: kubeconfigPath });
}
