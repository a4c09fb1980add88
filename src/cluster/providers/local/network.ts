// Host networking of the local cluster: kernel switches, the node bridge, and the guard that keeps
// every packet for the cluster's private ranges on this machine. Pod addresses live on the CNI
// bridge; Service addresses exist only as kube-proxy's DNAT rules, so without a guard a packet for a
// Service IP whose rules are missing would follow the default route out. Two layers stop that: a
// route sending the Service range to our own bridge, and an iptables chain dropping anything for
// the cluster ranges that would leave through another interface.
import { readFile, writeFile } from 'node:fs/promises';
import { runCommand } from '../../../process/exec.ts';
import { NETWORK } from './layout.ts';

/** Interfaces cluster traffic may use: ours and loopback. */
const CLUSTER_INTERFACES = [NETWORK.podBridge, NETWORK.nodeBridge, 'lo'];
const GUARDED_RANGES = [NETWORK.podCidr, NETWORK.serviceCidr, `${NETWORK.nodeIp}/32`];

/** Turns on forwarding and bridge netfilter, makes mounts shared, creates the node bridge and the guard. */
export async function setUpHostNetwork(): Promise<void> {
  await writeSysctl('net/ipv4/ip_forward', '1');
  await writeSysctl('net/bridge/bridge-nf-call-iptables', '1');
  // Without systemd as PID 1 the root mount is private, and the kubelet's volume mounts need propagation.
  if (!(await rootMountIsShared())) await runCommand('mount', ['--make-rshared', '/']);

  if (!(await linkExists(NETWORK.nodeBridge))) {
    await runCommand('ip', ['link', 'add', NETWORK.nodeBridge, 'type', 'bridge']);
  }
  await runCommand('ip', ['addr', 'replace', NETWORK.nodeCidr, 'dev', NETWORK.nodeBridge]);
  await runCommand('ip', ['link', 'set', NETWORK.nodeBridge, 'up']);
  // Host-originated packets for Service IPs go to our bridge (DNAT then reroutes them to a pod), never eth0.
  await runCommand('ip', ['route', 'replace', NETWORK.serviceCidr, 'dev', NETWORK.nodeBridge]);
  // Until the CNI bridge exists, the pod range is unreachable rather than routed to the default gateway.
  await runCommand('ip', ['route', 'replace', 'unreachable', NETWORK.podCidr, 'metric', '4242']);
  await installGuard();
}

/** Removes everything setUpHostNetwork and the cluster's components added to the host network. */
export async function tearDownHostNetwork(kubeProxyBinary: string | undefined): Promise<string[]> {
  const problems: string[] = [];
  if (kubeProxyBinary) {
    // kube-proxy knows its own chains; --cleanup removes them and nothing else.
    await runCommand(kubeProxyBinary, ['--cleanup'], { allowFailure: true, timeoutMs: 60_000 });
  }
  await removeGuard();
  await removeKubeletChains();
  await runCommand('ip', ['route', 'del', NETWORK.serviceCidr, 'dev', NETWORK.nodeBridge], {
    allowFailure: true,
  });
  await runCommand('ip', ['route', 'del', 'unreachable', NETWORK.podCidr, 'metric', '4242'], {
    allowFailure: true,
  });
  for (const link of [NETWORK.podBridge, NETWORK.nodeBridge]) {
    if (!(await linkExists(link))) continue;
    const result = await runCommand('ip', ['link', 'del', link], { allowFailure: true });
    if (result.exitCode !== 0) problems.push(`could not delete interface ${link}: ${result.stderr.trim()}`);
  }
  return problems;
}

/** Chains the kubelet itself creates (kube-proxy --cleanup does not know them), in IPv4 and IPv6. */
const KUBELET_CHAINS = ['KUBE-FIREWALL', 'KUBE-KUBELET-CANARY', 'KUBE-IPTABLES-HINT'];

async function removeKubeletChains(): Promise<void> {
  for (const binary of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'nat', 'mangle']) {
      const listed = await runCommand(binary, ['-w', '-t', table, '-S'], { allowFailure: true });
      if (listed.exitCode !== 0) continue;
      const lines = listed.stdout.split('\n');
      // Jumps into the chains first (a chain still referenced cannot be deleted), then the chains.
      for (const line of lines) {
        const jump = /^-A (\S+) (.*-j (\S+))$/.exec(line);
        if (!jump || !KUBELET_CHAINS.includes(jump[3]!) || KUBELET_CHAINS.includes(jump[1]!)) continue;
        await runCommand(binary, ['-w', '-t', table, '-D', jump[1]!, ...jump[2]!.split(' ')], {
          allowFailure: true,
        });
      }
      for (const chain of KUBELET_CHAINS.filter((c) => lines.includes(`-N ${c}`))) {
        await runCommand(binary, ['-w', '-t', table, '-F', chain], { allowFailure: true });
        await runCommand(binary, ['-w', '-t', table, '-X', chain], { allowFailure: true });
      }
    }
  }
}

/** The iptables rules of the guard chain, in order (exported for tests and the README). */
export function guardRules(): string[][] {
  const rules: string[][] = [];
  // Traffic into the pod bridge never leaves the machine; accept it even where FORWARD's policy is DROP.
  rules.push(['-o', NETWORK.podBridge, '-j', 'ACCEPT']);
  for (const iface of CLUSTER_INTERFACES.slice(1)) rules.push(['-o', iface, '-j', 'RETURN']);
  for (const range of GUARDED_RANGES) rules.push(['-d', range, '-j', 'DROP']);
  return rules;
}

async function installGuard(): Promise<void> {
  const chain = NETWORK.guardChain;
  const created = await runCommand('iptables', ['-w', '-N', chain], { allowFailure: true });
  if (created.exitCode !== 0) await runCommand('iptables', ['-w', '-F', chain]);
  for (const rule of guardRules()) await runCommand('iptables', ['-w', '-A', chain, ...rule]);
  for (const hook of ['OUTPUT', 'FORWARD']) {
    const present = await runCommand('iptables', ['-w', '-C', hook, '-j', chain], { allowFailure: true });
    if (present.exitCode !== 0) await runCommand('iptables', ['-w', '-I', hook, '1', '-j', chain]);
  }
}

async function removeGuard(): Promise<void> {
  const chain = NETWORK.guardChain;
  for (const hook of ['OUTPUT', 'FORWARD']) {
    // Remove every jump, in case an interrupted up added two.
    for (let i = 0; i < 10; i += 1) {
      const removed = await runCommand('iptables', ['-w', '-D', hook, '-j', chain], { allowFailure: true });
      if (removed.exitCode !== 0) break;
    }
  }
  await runCommand('iptables', ['-w', '-F', chain], { allowFailure: true });
  await runCommand('iptables', ['-w', '-X', chain], { allowFailure: true });
}

/** True when the guard chain is installed and hooked into OUTPUT and FORWARD. */
export async function guardInstalled(): Promise<boolean> {
  for (const hook of ['OUTPUT', 'FORWARD']) {
    const present = await runCommand('iptables', ['-w', '-C', hook, '-j', NETWORK.guardChain], {
      allowFailure: true,
    });
    if (present.exitCode !== 0) return false;
  }
  return true;
}

/** True when a network interface of that name exists. */
async function linkExists(name: string): Promise<boolean> {
  const result = await runCommand('ip', ['link', 'show', name], { allowFailure: true });
  return result.exitCode === 0;
}

async function writeSysctl(key: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${key}`, value);
}

async function rootMountIsShared(): Promise<boolean> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const root = mountinfo.split('\n').find((line) => line.split(' ')[4] === '/');
  return root?.includes('shared:') ?? false;
}
