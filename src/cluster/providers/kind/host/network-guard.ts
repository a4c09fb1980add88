// Keeps every packet for the kind cluster's ranges on this machine. The node network (the kind
// engine's address pool and the `kind` network's IPv6 subnet), the pod range and the Service range
// get `unreachable` routes of a low priority: the node bridge's own route is more specific and wins
// while the cluster runs, and a packet for a pod or Service address never follows the default route
// out. A chain of ours (iptables and ip6tables) drops anything forwarded from those ranges to
// elsewhere: the host forwards packets (the local provider turns that on), so node and pod traffic
// could otherwise leave through eth0. `down` removes both, recognising ours by metric and name.
import { isIPv6 } from 'node:net';
import { runCommand } from '../../../../process/exec.ts';

/** The metric of our routes: distinct from the local provider's (4242), so each removes only its own. */
export const GUARD_ROUTE_METRIC = '4243';

/** Our chain (filter table), jumped to from FORWARD for traffic from the guarded source ranges. */
export const GUARD_CHAIN = 'INCLUSTER-KIND-GUARD';

/** What to guard: every range of the cluster, and which of them packets may come from. */
export interface GuardedRanges {
  /** Node network(s), pod and Service ranges, IPv4 or IPv6. */
  ranges: string[];
  /** The ranges forwarded packets can come from (nodes and pods; Service IPs are only destinations). */
  sources: string[];
}

/** The `ip route` arguments that add (or delete) our unreachable route for `range`. */
export function guardRouteArgs(action: 'replace' | 'del', range: string): string[] {
  return [
    ...(isIPv6(range.split('/')[0]!) ? ['-6'] : []),
    'route',
    action,
    'unreachable',
    range,
    'metric',
    GUARD_ROUTE_METRIC,
  ];
}

/** The rules of the guard chain for one family: traffic inside the cluster's ranges returns, the rest drops. */
export function guardChainRules(ranges: readonly string[]): string[][] {
  return [...ranges.map((range) => ['-d', range, '-j', 'RETURN']), ['-j', 'DROP']];
}

/** Adds the routes and the chains (idempotent: jumps and rules for the same ranges are not doubled). */
export async function installNetworkGuard(guard: GuardedRanges): Promise<void> {
  for (const range of guard.ranges) await runCommand('ip', guardRouteArgs('replace', range));
  for (const family of ['iptables', 'ip6tables'] as const) {
    const ranges = guard.ranges.filter((r) => isV6(r) === (family === 'ip6tables'));
    const sources = guard.sources.filter((r) => isV6(r) === (family === 'ip6tables'));
    if (sources.length === 0) continue;
    await removeChain(family);
    await runCommand(family, ['-w', '-N', GUARD_CHAIN]);
    for (const rule of guardChainRules(ranges)) await runCommand(family, ['-w', '-A', GUARD_CHAIN, ...rule]);
    for (const source of sources)
      await runCommand(family, ['-w', '-I', 'FORWARD', '-s', source, '-j', GUARD_CHAIN]);
  }
}

/** Removes every route and chain of ours (whatever ranges an earlier `up` guarded); returns what stayed. */
export async function removeNetworkGuard(): Promise<string[]> {
  const problems: string[] = [];
  for (const family of ['-4', '-6']) {
    const listed = await runCommand('ip', [family, 'route', 'show', 'type', 'unreachable'], {
      allowFailure: true,
    });
    for (const line of listed.stdout.split('\n')) {
      const match = /^unreachable (\S+) .*metric (\d+)/.exec(line.trim());
      if (!match || match[2] !== GUARD_ROUTE_METRIC) continue;
      const removed = await runCommand('ip', guardRouteArgs('del', match[1]!), { allowFailure: true });
      if (removed.exitCode !== 0) problems.push(`route unreachable ${match[1]}: ${removed.stderr.trim()}`);
    }
  }
  for (const family of ['iptables', 'ip6tables'] as const) problems.push(...(await removeChain(family)));
  return problems;
}

/** The ranges currently guarded by our routes (for checks and tests). */
export async function guardedRoutes(): Promise<string[]> {
  const routes: string[] = [];
  for (const family of ['-4', '-6']) {
    const listed = await runCommand('ip', [family, 'route', 'show', 'type', 'unreachable'], {
      allowFailure: true,
    });
    for (const line of listed.stdout.split('\n')) {
      const match = /^unreachable (\S+) .*metric (\d+)/.exec(line.trim());
      if (match && match[2] === GUARD_ROUTE_METRIC) routes.push(match[1]!);
    }
  }
  return routes;
}

async function removeChain(family: 'iptables' | 'ip6tables'): Promise<string[]> {
  const listed = await runCommand(family, ['-w', '-S'], { allowFailure: true });
  if (listed.exitCode !== 0) return [];
  const lines = listed.stdout.split('\n');
  // Every jump into our chain first (a referenced chain cannot be deleted), then the chain.
  for (const line of lines) {
    const jump = /^-A FORWARD (.*-j INCLUSTER-KIND-GUARD)$/.exec(line);
    if (jump)
      await runCommand(family, ['-w', '-D', 'FORWARD', ...jump[1]!.split(' ')], { allowFailure: true });
  }
  if (!lines.includes(`-N ${GUARD_CHAIN}`)) return [];
  await runCommand(family, ['-w', '-F', GUARD_CHAIN], { allowFailure: true });
  const deleted = await runCommand(family, ['-w', '-X', GUARD_CHAIN], { allowFailure: true });
  return deleted.exitCode === 0 ? [] : [`${family} chain ${GUARD_CHAIN}: ${deleted.stderr.trim()}`];
}

function isV6(range: string): boolean {
  return isIPv6(range.split('/')[0]!);
}
