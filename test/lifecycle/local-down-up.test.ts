// `down` removes everything `up` made, and a later `up` starts clean. This runs last (after the
// integration and fault suites), because it takes the shared local cluster down and up again.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { cacheRoot } from '../../src/cluster/cache.ts';
import { containerdStash } from '../../src/cluster/providers/local/containerd-stash.ts';
import { localLayout, NETWORK } from '../../src/cluster/providers/local/layout.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const cli = (...args: string[]) =>
  run(process.execPath, ['src/cli/main.ts', ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    timeout: 600_000,
  });
const layout = localLayout('floe-test');

/** Processes whose command line mentions the cluster's directories or containerd socket. */
function clusterProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (
        (cmdline.includes(layout.stateDir) || cmdline.includes(layout.runDir)) &&
        Number(pid) !== process.pid
      )
        found.push(`${pid}: ${cmdline.slice(0, 120)}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

interface Leftovers {
  processes: string[];
  mounts: string[];
  interfaces: string[];
  chains: string[];
  cgroups: string[];
  routes: string[];
  state: string[];
}

async function leftovers(): Promise<Leftovers> {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((target) => target.startsWith(layout.stateDir) || target.startsWith(layout.runDir));
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout;
  const interfaces = [NETWORK.nodeBridge, NETWORK.podBridge].filter((name) => links.includes(` ${name}:`));
  const chains: string[] = [];
  for (const binary of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'nat', 'mangle']) {
      const rules = (await run(binary, ['-w', '-t', table, '-S'])).stdout;
      chains.push(
        ...rules
          .split('\n')
          .filter((line) => /^-N (INCLUSTER|KUBE)-/.test(line))
          .map((line) => `${binary} ${table}: ${line}`),
      );
    }
  }
  const cgroups = readdirSync('/sys/fs/cgroup').filter((h) => existsSync(`/sys/fs/cgroup/${h}/incluster`));
  const routes = (await run('ip', ['route', 'show'])).stdout
    .split('\n')
    .filter((r) => r.includes(NETWORK.serviceCidr) || r.includes(NETWORK.podCidr));
  return {
    processes: clusterProcesses(),
    mounts,
    interfaces,
    chains,
    cgroups,
    routes,
    state: [layout.stateDir, layout.runDir].filter((dir) => existsSync(dir)),
  };
}

describe(
  'local cluster: down leaves nothing behind, and a later up starts clean',
  { tags: ['001-FR-003'] },
  () => {
    test('down stops every process and removes mounts, interfaces, chains, cgroups, routes and state', async () => {
      const before = await leftovers();
      expect(before.processes.length, 'the cluster should be running before down').toBeGreaterThan(0);
      await cli('down', '--provider', 'local');
      expect(await leftovers()).toEqual({
        processes: [],
        mounts: [],
        interfaces: [],
        chains: [],
        cgroups: [],
        routes: [],
        state: [],
      });
    });

    test('down is idempotent: a second down succeeds and changes nothing', async () => {
      const { stderr } = await cli('down', '--provider', 'local');
      expect(stderr).toContain('removed');
      expect((await leftovers()).processes).toEqual([]);
    });

    test(
      'an up whose etcd cannot start fails within seconds, names the step and the component, and leaves the logs in <artifacts.dir>/local-logs/',
      { tags: ['001-FR-006'] },
      async () => {
        // A project of its own, so its artifacts directory is ours to read; the cluster is the same.
        const project = await mkdtemp(join(tmpdir(), 'incluster-failing-up-'));
        await writeFile(
          join(project, 'incluster.config.yaml'),
          'artifacts:\n  dir: results\nservices:\n  manifests: []\n',
        );
        // Another process holds etcd's client port, as a second etcd on the machine would.
        const holder = createServer((socket) => socket.destroy());
        await new Promise<void>((resolve, reject) => {
          holder.once('error', reject);
          holder.listen(NETWORK.etcdClientPort, '127.0.0.1', resolve);
        });
        try {
          const failed = await run(process.execPath, [CLI, 'up', '--provider', 'local'], {
            cwd: project,
            timeout: 300_000,
          }).then(
            () => undefined,
            (error: { code?: number; stderr?: string }) => error,
          );
          const stderr = failed?.stderr ?? '';
          expect(failed?.code, stderr).toBe(3);
          expect(stderr).toContain(
            'local cluster: starting the control plane failed (etcd): etcd cannot start: it exited 3 times in a row',
          );
          const logs = join(project, 'results/local-logs');
          expect(stderr).toContain(`component logs: ${logs}`);
          expect(readdirSync(logs)).toEqual(
            expect.arrayContaining(['etcd.log', 'kube-apiserver.log', 'supervisor.log']),
          );
          expect(readFileSync(join(logs, 'etcd.log'), 'utf8')).toMatch(/address already in use/);
          // Named in the hint too: the end of the failing component's log.
          expect(stderr).toMatch(
            /etcd is failing \(restarted \d+ times\); the end of its log:[\s\S]*address already in use/,
          );
        } finally {
          await new Promise((resolve) => holder.close(resolve));
          await cli('down', '--provider', 'local');
          await rm(project, { recursive: true, force: true });
        }
        expect((await leftovers()).processes).toEqual([]);
      },
    );

    test(
      'a later up starts from nothing and the cluster works again, its images kept by down (no import)',
      { tags: ['001-FR-001', '001-FR-120'] },
      async () => {
        expect(
          existsSync(containerdStash(cacheRoot(process.env), 'floe-test')),
          'down kept no containerd root',
        ).toBe(true);
        const { stdout, stderr } = await cli('up', '--provider', 'local');
        expect(stdout.trim()).toBe(layout.adminKubeconfig);
        expect((await leftovers()).processes.length).toBeGreaterThan(0);
        expect(stderr).toContain('containerd root of the last cluster restored from the cache');
        expect(stderr).not.toMatch(/Importing .* into containerd/);
      },
    );
  },
);
