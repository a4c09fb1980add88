// Packets, not rules (001-FR-052, 001-FR-102): the guards the local and the offline kind providers
// put on the host are installed, by their own code, in a network namespace of ours that stands in for
// the host: `router`, whose default route leads to `outside` (TEST-NET-2, a namespace of ours too),
// with `client` behind it as a container on the host would be. No cluster runs there: its components
// are down (no kube-proxy rules, no pod bridge, no kind network), the state in which only the guard
// stands between a packet for the cluster's ranges and the default route. UDP datagrams are sent
// from `client` (forwarded) and from `router` itself (output); counters in `outside` show what
// arrived through the default route, the guard's own counters what it dropped, and a datagram for an
// address outside the ranges shows the path out works. Nothing is sent toward a real outside address,
// and nothing of this touches the host's own network: every interface lives in our namespaces.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/process/exec.ts';
import { NETWORK } from '../../src/cluster/providers/local/layout.ts';
import { KIND_ENGINE } from '../../src/cluster/providers/kind/host/engine.ts';
import { GUARD_CHAIN as KIND_GUARD_CHAIN } from '../../src/cluster/providers/kind/host/network-guard.ts';

const SRC = new URL('../../src/', import.meta.url).pathname;
/** Datagrams per send: enough that a counter cannot be met by chance. */
const COUNT = 5;
/** The research kind cluster's ranges (testing/k8s/kind-config.yaml). */
const KIND_PODS = '10.244.0.0/16';
const KIND_SERVICES = '10.96.0.0/16';
/** Where the default route leads, and an address past it that is in no cluster range. */
const OUTSIDE = { gateway: '198.51.100.1', router: '198.51.100.2', beyond: '203.0.113.9' };
const CLIENT = { router: '10.77.0.1', client: '10.77.0.2' };

/** Three namespaces of ours: client → router → outside. */
class Lab {
  readonly client: string;
  readonly router: string;
  readonly outside: string;

  constructor() {
    const id = randomBytes(3).toString('hex');
    [this.client, this.router, this.outside] = ['c', 'r', 'x'].map((n) => `incluster-pg-${n}-${id}`) as [
      string,
      string,
      string,
    ];
  }

  async create(): Promise<void> {
    for (const ns of [this.client, this.router, this.outside]) {
      await runCommand('ip', ['netns', 'add', ns]);
      await this.ip(ns, ['link', 'set', 'lo', 'up']);
    }
    // Each pair is made inside our namespaces: the host never has these interfaces.
    await this.ip(this.router, [
      'link',
      'add',
      'uplink',
      'type',
      'veth',
      'peer',
      'name',
      'wan',
      'netns',
      this.outside,
    ]);
    await this.ip(this.router, [
      'link',
      'add',
      'lan',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      this.client,
    ]);
    await this.ip(this.outside, ['addr', 'add', `${OUTSIDE.gateway}/24`, 'dev', 'wan']);
    await this.ip(this.router, ['addr', 'add', `${OUTSIDE.router}/24`, 'dev', 'uplink']);
    await this.ip(this.router, ['addr', 'add', `${CLIENT.router}/30`, 'dev', 'lan']);
    await this.ip(this.client, ['addr', 'add', `${CLIENT.client}/30`, 'dev', 'eth0']);
    for (const [ns, dev] of [
      [this.outside, 'wan'],
      [this.router, 'uplink'],
      [this.router, 'lan'],
      [this.client, 'eth0'],
    ] as const)
      await this.ip(ns, ['link', 'set', dev, 'up']);
    await this.ip(this.router, ['route', 'add', 'default', 'via', OUTSIDE.gateway]);
    await this.ip(this.client, ['route', 'add', 'default', 'via', CLIENT.router]);
    await this.exec(this.router, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    // What arrives in `outside` through the default route, counted before anything else sees it.
    for (const [name, match] of Object.entries(OUTSIDE_COUNTERS))
      await this.exec(this.outside, 'iptables', [
        '-w',
        '-t',
        'raw',
        '-A',
        'PREROUTING',
        '-i',
        'wan',
        ...match,
        '-m',
        'comment',
        '--comment',
        name,
      ]);
  }

  async destroy(): Promise<void> {
    for (const ns of [this.client, this.router, this.outside])
      await runCommand('ip', ['netns', 'del', ns], { allowFailure: true });
  }

  ip(ns: string, args: string[]) {
    return runCommand('ip', ['-n', ns, ...args]);
  }

  exec(ns: string, command: string, args: string[]) {
    return runCommand('ip', ['netns', 'exec', ns, command, ...args], { timeoutMs: 60_000 });
  }

  /** Runs TypeScript in `router` that imports incluster's own modules from `SRC`. */
  inRouter(script: string) {
    return this.exec(this.router, process.execPath, ['--input-type=module', '-e', script]);
  }

  /** Sends COUNT datagrams to `destination` from a namespace (and a source address in it). */
  async send(ns: string, destination: string, source?: string): Promise<void> {
    const script = `const s = require('node:dgram').createSocket('udp4');
      s.bind({ address: ${JSON.stringify(source ?? '0.0.0.0')} }, async () => {
        for (let i = 0; i < ${COUNT}; i++)
          await new Promise((done) => s.send('incluster guard probe', 9, ${JSON.stringify(destination)}, () => done()));
        s.close();
      });`;
    await this.exec(ns, process.execPath, ['-e', script]);
  }

  /** Packets counted in `outside`, by counter name. */
  async arrived(): Promise<Record<keyof typeof OUTSIDE_COUNTERS, number>> {
    const { stdout } = await this.exec(this.outside, 'iptables', [
      '-w',
      '-t',
      'raw',
      '-L',
      'PREROUTING',
      '-v',
      '-x',
      '-n',
    ]);
    return Object.fromEntries(
      Object.keys(OUTSIDE_COUNTERS).map((name) => [name, packets(stdout, `/* ${name} */`)]),
    ) as Record<keyof typeof OUTSIDE_COUNTERS, number>;
  }

  /** The packets each rule of `chain` in `router` matched: `DROP 10.88.0.0/16` → count (`iptables -L -v`). */
  async chainCounts(chain: string): Promise<Map<string, number>> {
    const { stdout } = await this.exec(this.router, 'iptables', ['-w', '-L', chain, '-v', '-x', '-n']);
    const counts = new Map<string, number>();
    // pkts bytes target prot opt in out source destination
    for (const line of stdout.split('\n').slice(2)) {
      const [pkts, , target, , , , , , destination] = line.trim().split(/\s+/);
      if (target && destination) counts.set(`${target} ${destination}`, Number(pkts));
    }
    return counts;
  }
}

/** What `outside` counts: datagrams for each range, and the control for an address in none. */
const OUTSIDE_COUNTERS = {
  'to-pods': ['-d', NETWORK.podCidr],
  'to-services': ['-d', NETWORK.serviceCidr],
  'to-kind-pods': ['-d', KIND_PODS],
  'to-kind-nodes': ['-d', KIND_ENGINE.addressPool],
  'from-kind-pods': ['-s', KIND_PODS],
  'to-beyond': ['-d', OUTSIDE.beyond],
} as const;

function packets(listing: string, marker: string): number {
  const line = listing.split('\n').find((l) => l.includes(marker));
  if (!line) throw new Error(`no counter ${marker} in:\n${listing}`);
  return Number(line.trim().split(/\s+/)[0]);
}

const labs: Lab[] = [];
afterEach(async () => {
  for (const lab of labs.splice(0)) await lab.destroy();
});

async function newLab(): Promise<Lab> {
  const lab = new Lab();
  labs.push(lab);
  await lab.create();
  return lab;
}

describe('the local cluster’s guard, with the cluster’s components down', { tags: ['001-FR-052'] }, () => {
  test('packets for the pod and Service ranges never reach the default route; others do', async () => {
    const lab = await newLab();
    // The real host set-up of `up`: node bridge, the Service and pod routes, the guard chain.
    await lab.inRouter(
      `import { setUpHostNetwork } from ${JSON.stringify(`${SRC}cluster/providers/local/network.ts`)};\nawait setUpHostNetwork();`,
    );
    const pod = '10.88.7.7';
    const service = '10.96.7.7';

    await lab.send(lab.client, OUTSIDE.beyond);
    expect((await lab.arrived())['to-beyond'], 'the path through the default route works').toBe(COUNT);

    // As `up` leaves it: the routes keep both ranges on this machine (our bridge, unreachable).
    for (const ns of [lab.client, lab.router]) for (const to of [pod, service]) await lab.send(ns, to);
    expect(await lab.arrived()).toMatchObject({ 'to-pods': 0, 'to-services': 0 });

    // With those routes gone, the default route would take them: the guard drops them first.
    await lab.ip(lab.router, ['route', 'del', NETWORK.serviceCidr]);
    await lab.ip(lab.router, ['route', 'del', 'unreachable', NETWORK.podCidr]);
    const before = await lab.chainCounts(NETWORK.guardChain);
    for (const ns of [lab.client, lab.router]) for (const to of [pod, service]) await lab.send(ns, to);
    const after = await lab.chainCounts(NETWORK.guardChain);
    expect(await lab.arrived()).toMatchObject({ 'to-pods': 0, 'to-services': 0 });
    for (const range of [NETWORK.podCidr, NETWORK.serviceCidr]) {
      const rule = `DROP ${range}`;
      expect((after.get(rule) ?? 0) - (before.get(rule) ?? 0), rule).toBe(2 * COUNT);
    }

    // Control: without the guard the very same packets leave through the default route.
    await lab.exec(lab.router, 'iptables', ['-w', '-F', NETWORK.guardChain]);
    for (const to of [pod, service]) await lab.send(lab.client, to);
    expect(await lab.arrived()).toMatchObject({ 'to-pods': COUNT, 'to-services': COUNT });
  });
});

describe('the offline kind cluster’s guard, with the cluster down', { tags: ['001-FR-102'] }, () => {
  test('packets for its node, pod and Service ranges, and packets from them, never leave', async () => {
    const lab = await newLab();
    // The ranges and the guard the provider installs for the research cluster, by its own code.
    await lab.inRouter(
      [
        `import { guardFor } from ${JSON.stringify(`${SRC}cluster/providers/kind/offline.ts`)};`,
        `import { installNetworkGuard } from ${JSON.stringify(`${SRC}cluster/providers/kind/host/network-guard.ts`)};`,
        `await installNetworkGuard(guardFor({ pods: ${JSON.stringify(KIND_PODS)}, services: ${JSON.stringify(KIND_SERVICES)} }, []));`,
      ].join('\n'),
    );
    const node = KIND_ENGINE.addressPool.replace(/0\.0\/16$/, '7.7');

    await lab.send(lab.client, OUTSIDE.beyond);
    expect((await lab.arrived())['to-beyond']).toBe(COUNT);

    // No kind network, no node bridge: the unreachable routes hold every range of the cluster.
    for (const ns of [lab.client, lab.router])
      for (const to of ['10.244.7.7', '10.96.7.7', node]) await lab.send(ns, to);
    expect(await lab.arrived()).toMatchObject({ 'to-kind-pods': 0, 'to-services': 0, 'to-kind-nodes': 0 });

    // A pod's packet for an address outside the cluster is dropped where it would be forwarded out.
    await lab.ip(lab.client, ['addr', 'add', '10.244.9.9/32', 'dev', 'eth0']);
    const before = await lab.chainCounts(KIND_GUARD_CHAIN);
    await lab.send(lab.client, OUTSIDE.beyond, '10.244.9.9');
    const after = await lab.chainCounts(KIND_GUARD_CHAIN);
    expect((await lab.arrived())['from-kind-pods']).toBe(0);
    expect((after.get('DROP 0.0.0.0/0') ?? 0) - (before.get('DROP 0.0.0.0/0') ?? 0)).toBe(COUNT);
    expect((await lab.arrived())['to-beyond']).toBe(COUNT); // the client's own address still goes out

    // Control: without the guard the same packets leave.
    await lab.exec(lab.router, 'iptables', ['-w', '-F', KIND_GUARD_CHAIN]);
    await lab.send(lab.client, OUTSIDE.beyond, '10.244.9.9');
    await lab.ip(lab.router, ['route', 'del', 'unreachable', KIND_PODS]);
    await lab.send(lab.client, '10.244.7.7', CLIENT.client);
    expect(await lab.arrived()).toMatchObject({ 'from-kind-pods': COUNT, 'to-kind-pods': COUNT });
  });
});
