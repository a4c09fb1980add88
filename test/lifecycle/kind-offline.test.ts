// Offline kind end to end: `up --provider kind` with cluster.kind.offline: always creates the
// research's cluster (testing/k8s/kind-config.yaml) with the real kind CLI on incluster's own Docker
// engine, and `down` leaves the host exactly as it found it. Opt-in (INCLUSTER_KIND_OFFLINE_E2E=1):
// it needs root, and on a cold machine it builds the node image (minutes); with the image cached,
// up takes about 40 s and down about 10 s. Run it with:
//   INCLUSTER_KIND_OFFLINE_E2E=1 npx vitest run --project lifecycle test/lifecycle/kind-offline.test.ts
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { cacheRoot } from '../../src/cluster/cache.ts';
import { kubernetesBinDir } from '../../src/cluster/host/kubernetes.ts';
import { KIND_ENGINE, kindEnginePaths } from '../../src/cluster/providers/kind/host/engine.ts';
import { GUARD_CHAIN, GUARD_ROUTE_METRIC } from '../../src/cluster/providers/kind/host/network-guard.ts';

const enabled = process.env.INCLUSTER_KIND_OFFLINE_E2E === '1';
const run = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;
const project = mkdtempSync(join(tmpdir(), 'incluster-kind-offline-'));
const configFile = join(project, 'incluster.config.yaml');
writeFileSync(
  configFile,
  `cluster:\n  provider: kind\n  kind:\n    config: ${join(repo, 'testing/k8s/kind-config.yaml')}\n    offline: always\n`,
);
const cli = (...args: string[]) =>
  run(process.execPath, ['src/cli/main.ts', ...args, '--config', configFile], {
    cwd: repo,
    timeout: 1_200_000,
  });
afterAll(() => rmSync(project, { recursive: true, force: true }));
/** The DOCKER_HOST of incluster's own engine, where the offline cluster's nodes run. */
const kindEngineHost = kindEnginePaths(cacheRoot(process.env)).host;

/** What incluster's kind engine and cluster can leave on the host, and the cgroup tree as a whole. */
interface HostState {
  processes: string[];
  mounts: string[];
  cgroupTree: string[];
  ourCgroups: string[];
  chains: string[];
  routes: string[];
  interfaces: string[];
  libModules: boolean;
  state: string[];
  /** The user's kubeconfig files ($KUBECONFIG's paths and ~/.kube/config), as text: kind must not edit them (FR-106). */
  kubeconfigs: Record<string, string>;
}

async function hostState(): Promise<HostState> {
  const ours = (text: string) => text.includes(KIND_ENGINE.runDir) || text.includes(KIND_ENGINE.stateDir);
  const processes: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (ours(cmdline)) processes.push(`${pid}: ${cmdline.slice(0, 120)}`);
    } catch {
      // exited meanwhile
    }
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter(ours);
  // The whole tree's top two levels, except the local provider's own `incluster` cgroups (another
  // cluster may come and go meanwhile): names and modes, as `ls -la /sys/fs/cgroup` and `ls /sys/fs/cgroup/*` show.
  const cgroupTree = (await run('ls', ['-la', '/sys/fs/cgroup'])).stdout
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s+/))
    .map((fields) => `${fields[0]} ${fields.slice(8).join(' ')}`);
  for (const hierarchy of readdirSync('/sys/fs/cgroup'))
    for (const entry of readdirSync(`/sys/fs/cgroup/${hierarchy}`).filter((e) => e !== 'incluster'))
      cgroupTree.push(`${hierarchy}/${entry}`);
  const ourCgroups = readdirSync('/sys/fs/cgroup').filter((h) =>
    existsSync(`/sys/fs/cgroup/${h}/${KIND_ENGINE.cgroupParent}`),
  );
  const chains: string[] = [];
  for (const binary of ['iptables', 'ip6tables'])
    for (const table of ['filter', 'nat', 'mangle'])
      chains.push(
        ...(await run(binary, ['-w', '-t', table, '-S'])).stdout
          .split('\n')
          .filter((line) => line.includes(GUARD_CHAIN))
          .map((line) => `${binary} ${table}: ${line}`),
      );
  const routes: string[] = [];
  for (const family of ['-4', '-6'])
    routes.push(
      ...(await run('ip', [family, 'route', 'show', 'table', 'all'])).stdout
        .split('\n')
        .filter((line) => line.includes(`metric ${GUARD_ROUTE_METRIC}`) || /\bbr-[0-9a-f]{12}\b/.test(line)),
    );
  // The kind network's bridge and the nodes' veths attached to it.
  const interfaces = (await run('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .filter((line) => /\bbr-[0-9a-f]{12}\b/.test(line))
    .map((line) => line.split(':')[1]!.trim());
  return {
    processes,
    mounts,
    cgroupTree,
    ourCgroups,
    chains,
    routes,
    interfaces,
    libModules: existsSync('/lib/modules'),
    state: [KIND_ENGINE.runDir, KIND_ENGINE.stateDir].filter((dir) => existsSync(dir)),
    kubeconfigs: Object.fromEntries(
      [...(process.env.KUBECONFIG ?? '').split(':').filter(Boolean), join(homedir(), '.kube', 'config')].map(
        (path) => [path, existsSync(path) ? readFileSync(path, 'utf8') : '(absent)'],
      ),
    ),
  };
}

describe.skipIf(!enabled)(
  'kind offline: up creates the research cluster, down leaves the host as it found it',
  () => {
    let before: HostState;

    test(
      'up builds (or reuses) the offline node image and creates a working cluster',
      // On a cold machine this up builds the node image first (10 minutes and more on 2 cores).
      { tags: ['001-FR-100', '001-FR-101', '001-FR-102'], timeout: 1_800_000 },
      async () => {
        await cli('down', '--provider', 'kind');
        before = await hostState();
        expect(before.processes).toEqual([]);
        const { stdout } = await cli('up', '--provider', 'kind', '--no-services');
        const kubeconfig = stdout.trim();
        expect(kubeconfig).toBe(join(project, '.incluster', 'kind-floe-test.kubeconfig'));
        const during = await hostState();
        expect(during.processes.length).toBeGreaterThan(0);
        expect(during.kubeconfigs).toEqual(before.kubeconfigs);
        expect(
          during.routes.filter((r) => r.includes(`metric ${GUARD_ROUTE_METRIC}`)).length,
        ).toBeGreaterThanOrEqual(3);
        expect(during.chains.length).toBeGreaterThan(0);
        // kube-proxy is a privileged pod: it runs only if the wrapper inside the node works.
        const kubectl = join(kubernetesBinDir(cacheRoot(process.env)), 'kubectl');
        const pods = (
          await run(kubectl, [
            '--kubeconfig',
            kubeconfig,
            'get',
            'pods',
            '-n',
            'kube-system',
            '-o',
            'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}',
          ])
        ).stdout;
        expect(pods).toMatch(/kube-proxy-\w+=Running/);
        expect(pods).toMatch(/coredns-[\w-]+=Running/);
        expect(pods).toMatch(/incluster-podnet-\w+=Running/);
        // The default StorageClass provisions a volume for a claim (local-path-provisioner, built locally).
        const claim = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 16Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: default}
spec:
  containers:
    - {name: w, image: docker.io/library/busybox:1.35, imagePullPolicy: Never, command: [sh, -c, 'echo ok > /data/f; sleep 600'], volumeMounts: [{name: d, mountPath: /data}]}
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
`;
        writeFileSync(join(project, 'claim.yaml'), claim);
        await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', join(project, 'claim.yaml')]);
        await run(kubectl, [
          '--kubeconfig',
          kubeconfig,
          'wait',
          '--for=condition=Ready',
          'pod/writer',
          '--timeout=120s',
        ]);
        const phase = await run(kubectl, [
          '--kubeconfig',
          kubeconfig,
          'get',
          'pvc',
          'data',
          '-o',
          'jsonpath={.status.phase}',
        ]);
        expect(phase.stdout).toBe('Bound');
      },
    );

    test(
      'images.preload puts an image the cluster does not have on its node, copied from the user’s engine',
      { tags: ['001-FR-004'], timeout: 600_000 },
      async () => {
        // A tiny image only the machine's own Docker engine holds: busybox, which it has, and a file.
        const proof = randomBytes(6).toString('hex');
        const image = `incluster.test/preload-proof:${proof}`;
        const context = join(project, 'preload-image');
        mkdirSync(context);
        writeFileSync(join(context, 'proof'), `${proof}\n`);
        writeFileSync(
          join(context, 'Dockerfile'),
          'FROM docker.io/library/busybox:1.35\nCOPY proof /proof\n',
        );
        const kindDocker = (...args: string[]) =>
          run('docker', args, { env: { ...process.env, DOCKER_HOST: kindEngineHost } });
        await run('docker', ['build', '--quiet', '--tag', image, context]);
        const preloadConfig = join(project, 'preload.config.yaml');
        writeFileSync(
          preloadConfig,
          `${readFileSync(configFile, 'utf8')}images:\n  preload:\n    - ${image}\n`,
        );
        try {
          const node = 'floe-test-control-plane';
          const nodeImages = async () =>
            (await kindDocker('exec', node, 'crictl', 'images', '-o', 'json')).stdout;
          expect(await nodeImages()).not.toContain(image);
          const { stderr } = await run(
            process.execPath,
            ['src/cli/main.ts', 'up', '--provider', 'kind', '--no-services', '--config', preloadConfig],
            { cwd: repo, timeout: 600_000 },
          );
          expect(stderr).toContain('Preloading 1 images');
          expect(await nodeImages()).toContain(image);
          // And the kubelet runs it without pulling.
          const kubeconfig = join(project, '.incluster', 'kind-floe-test.kubeconfig');
          const kubectl = join(kubernetesBinDir(cacheRoot(process.env)), 'kubectl');
          await run(kubectl, [
            '--kubeconfig',
            kubeconfig,
            'run',
            'preloaded',
            '--namespace=default',
            '--restart=Never',
            `--image=${image}`,
            '--image-pull-policy=Never',
            '--command',
            '--',
            'cat',
            '/proof',
          ]);
          await run(kubectl, [
            '--kubeconfig',
            kubeconfig,
            'wait',
            '--namespace=default',
            '--for=jsonpath={.status.phase}=Succeeded',
            'pod/preloaded',
            '--timeout=120s',
          ]);
          const logs = await run(kubectl, [
            '--kubeconfig',
            kubeconfig,
            'logs',
            '--namespace=default',
            'preloaded',
          ]);
          expect(logs.stdout.trim()).toBe(proof);
          await run(kubectl, ['--kubeconfig', kubeconfig, 'delete', '--namespace=default', 'pod/preloaded']);
        } finally {
          // The kind engine's data-root is kept in the cache: leave no test image in it, nor in the user's.
          await kindDocker('rmi', '--force', image).catch(() => undefined);
          await run('docker', ['rmi', '--force', image]).catch(() => undefined);
        }
      },
    );

    test(
      'down deletes the cluster and leaves no process, mount, cgroup, chain, route or interface, nor an edited kubeconfig',
      { tags: ['001-FR-103', '001-FR-106'] },
      async () => {
        await cli('down', '--provider', 'kind');
        expect(await hostState()).toEqual(before);
      },
    );

    test('a second down changes nothing', { tags: ['001-FR-103'] }, async () => {
      const { stderr } = await cli('down', '--provider', 'kind');
      expect(stderr).toContain('not running');
      expect(await hostState()).toEqual(before);
    });
  },
);
