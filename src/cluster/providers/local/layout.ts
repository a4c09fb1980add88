// Where the local cluster keeps everything, and the fixed addresses it uses. One local cluster runs
// per machine; its state lives under one directory so `down` can remove exactly what `up` made.
import { join } from 'node:path';

/** Addresses of the local cluster. Private ranges chosen to stay clear of Docker's and kind's defaults. */
export const NETWORK = {
  /** A bridge we create to carry the node's own address, so nothing depends on eth0's address. */
  nodeBridge: 'incluster0',
  nodeIp: '10.87.0.1',
  nodeCidr: '10.87.0.1/32',
  /** The CNI bridge pods attach to. */
  podBridge: 'incluster-cni0',
  podCidr: '10.88.0.0/16',
  serviceCidr: '10.96.0.0/16',
  apiServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
  apiPort: 6443,
  etcdClientPort: 22379,
  etcdPeerPort: 22380,
  /** iptables chain holding the rules that keep cluster traffic on this machine. */
  guardChain: 'INCLUSTER-GUARD',
} as const;

/** Paths of one local cluster's state. */
export interface LocalLayout {
  clusterName: string;
  nodeName: string;
  stateDir: string;
  runDir: string;
  pkiDir: string;
  kubeconfigDir: string;
  adminKubeconfig: string;
  configDir: string;
  logDir: string;
  etcdDataDir: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  kubeletRoot: string;
  cniConfDir: string;
  cniDataDir: string;
  supervisorSpec: string;
  supervisorPidFile: string;
  supervisorStatus: string;
}

/** The layout of cluster `name`, under `stateDir` (default /var/lib/incluster/<name>). */
export function localLayout(clusterName: string, stateDir?: string): LocalLayout {
  const state = stateDir ?? join('/var/lib/incluster', clusterName);
  const run = join('/run/incluster', clusterName);
  return {
    clusterName,
    nodeName: `${clusterName}-control-plane`,
    stateDir: state,
    runDir: run,
    pkiDir: join(state, 'pki'),
    kubeconfigDir: join(state, 'kubeconfig'),
    adminKubeconfig: join(state, 'admin.kubeconfig'),
    configDir: join(state, 'config'),
    logDir: join(state, 'logs'),
    etcdDataDir: join(state, 'etcd'),
    containerdRoot: join(state, 'containerd'),
    containerdState: join(run, 'containerd'),
    containerdSocket: join(run, 'containerd.sock'),
    kubeletRoot: join(state, 'kubelet'),
    cniConfDir: join(state, 'cni', 'net.d'),
    cniDataDir: join(state, 'cni', 'ipam'),
    supervisorSpec: join(state, 'supervisor.json'),
    supervisorPidFile: join(run, 'supervisor.pid'),
    supervisorStatus: join(run, 'supervisor-status.json'),
  };
}
