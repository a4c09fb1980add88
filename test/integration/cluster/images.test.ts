// The local cluster's images, built for real: Docker engine, debootstrap, go install, docker build,
// and the import into containerd. Cold, the first call builds everything (minutes); on a warm
// machine it loads the cache. Runs against the cluster's containerd (or INCLUSTER_CONTAINERD_SOCKET).
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cacheRoot } from '../../../src/cluster/cache.ts';
import type { DockerEngine } from '../../../src/cluster/host/dockerd.ts';
import { CLUSTER_IMAGES } from '../../../src/cluster/images/catalogue.ts';
import {
  BUSYBOX_IMAGE,
  COREDNS_IMAGE,
  NODE_IMAGE,
  PAUSE_IMAGE,
  POSTGRES_IMAGE,
} from '../../../src/cluster/images/names.ts';
import { stopDockerEngine } from '../../../src/cluster/providers/local/build-engine.ts';
import {
  ensureClusterImages,
  type ClusterImagesReport,
} from '../../../src/cluster/providers/local/cluster-images.ts';
import { importImagesIntoContainerd } from '../../../src/cluster/providers/local/containerd-images.ts';
import { COREDNS_VERSION, NODE_VERSION, NPM_VERSION, PAUSE_VERSION } from '../../../src/cluster/versions.ts';
import { qualifyImageReference } from '../../../src/cluster/image-reference.ts';
import { InfrastructureError } from '../../../src/errors.ts';
import { runCommand, type RunResult } from '../../../src/process/exec.ts';
import { Status } from '../../../src/progress/status.ts';

/** The containerd the kubelet of the running local cluster uses, or the one named by the environment. */
function clusterContainerdSocket(): string {
  if (process.env.INCLUSTER_CONTAINERD_SOCKET) return process.env.INCLUSTER_CONTAINERD_SOCKET;
  const run = '/run/incluster';
  const clusters = existsSync(run) ? readdirSync(run) : [];
  const sockets = [
    ...clusters.map((name) => join(run, name, 'containerd.sock')),
    '/run/containerd/containerd.sock',
  ];
  const found = sockets.find((socket) => existsSync(socket));
  if (!found) {
    throw new Error(
      `no containerd socket (looked at ${sockets.join(', ')}); set INCLUSTER_CONTAINERD_SOCKET`,
    );
  }
  return found;
}

const COLD_BUILD_TIMEOUT_MS = 25 * 60_000;
const socket = clusterContainerdSocket();
const progress = new PassThrough();
let log = '';
progress.on('data', (chunk: Buffer) => (log += chunk.toString()));
const status = new Status(progress, { interactive: false });
let stateDir: string;
let first: ClusterImagesReport;
let engine: DockerEngine;

async function ctrImages(): Promise<string[]> {
  const result = await runCommand('ctr', [
    '--address',
    socket,
    '--namespace',
    'k8s.io',
    'images',
    'ls',
    '--quiet',
  ]);
  return result.stdout.split('\n').filter(Boolean);
}

function docker(
  args: string[],
  options: { allowFailure?: boolean; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runCommand('docker', args, { env: engine.env, timeoutMs: options.timeoutMs ?? 60_000, ...options });
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'incluster-images-it-'));
  first = await ensureClusterImages({ cacheRoot: cacheRoot(), stateDir, containerdSocket: socket, status });
  engine = first.engine;
}, COLD_BUILD_TIMEOUT_MS);

afterAll(async () => {
  // Stops dockerd only if this test started it; an engine the cluster runs is left alone.
  await stopDockerEngine({ stateDir });
  await rm(stateDir, { recursive: true, force: true });
});

describe('cluster images', () => {
  test(
    'every cluster image is in containerd (k8s.io) under its exact name',
    { tags: ['001-FR-004', '001-FR-009'] },
    async () => {
      const held = await ctrImages();
      for (const image of CLUSTER_IMAGES) expect(held).toContain(qualifyImageReference(image));
      expect(first.images.map((o) => o.image)).toEqual([...CLUSTER_IMAGES]);
      for (const outcome of first.images) expect(existsSync(outcome.archive)).toBe(true);
    },
  );

  test('a second call rebuilds nothing and imports nothing', { tags: ['001-FR-009'] }, async () => {
    const second = await ensureClusterImages({
      cacheRoot: cacheRoot(),
      stateDir,
      containerdSocket: socket,
      status,
    });
    expect(second.built).toEqual([]);
    expect(second.reused).toEqual([...CLUSTER_IMAGES]);
    for (const outcome of second.images) {
      expect(outcome).toMatchObject({ docker: 'present', containerd: 'present' });
      expect(outcome.key).toBe(first.images.find((o) => o.image === outcome.image)?.key);
    }
    expect(log).toContain(`Verifying ${CLUSTER_IMAGES.length} cluster images in containerd`);
  });

  test('node and npm run in the node image', { tags: ['001-FR-009'] }, async () => {
    const run = await docker([
      'run',
      '--rm',
      '--network=none',
      NODE_IMAGE,
      'sh',
      '-c',
      'node --version && npm --version && id -u node',
    ]);
    expect(run.stdout.trim().split('\n')).toEqual([`v${NODE_VERSION}`, NPM_VERSION, '1000']);
  });

  test(
    'postgres runs as uid 999 and accepts a password login, rejects a wrong one',
    { tags: ['001-FR-009'], timeout: 150_000 },
    async () => {
      const name = `incluster-images-pg-${process.pid}`;
      const password = `pw-${Math.random().toString(36).slice(2)}`;
      await docker([
        'run',
        '--detach',
        '--name',
        name,
        '--network=none',
        '--user',
        '999:999',
        '--cap-drop=ALL',
        '--env',
        `POSTGRES_PASSWORD=${password}`,
        '--env',
        'POSTGRES_USER=app',
        '--env',
        'POSTGRES_DB=appdb',
        POSTGRES_IMAGE,
      ]);
      try {
        const deadline = Date.now() + 90_000;
        let ready = false;
        while (!ready && Date.now() < deadline) {
          ready =
            (
              await docker(['exec', name, 'pg_isready', '-h', '127.0.0.1', '-U', 'app', '-d', 'appdb'], {
                allowFailure: true,
              })
            ).exitCode === 0;
          if (!ready) await new Promise((resolve) => setTimeout(resolve, 500));
        }
        expect(ready).toBe(true);
        const query = (pw: string) =>
          docker(
            [
              'exec',
              '--env',
              `PGPASSWORD=${pw}`,
              name,
              'psql',
              '-h',
              '127.0.0.1',
              '-U',
              'app',
              '-d',
              'appdb',
              '-Atc',
              'select current_user, current_database()',
            ],
            { allowFailure: true },
          );
        expect((await query(password)).stdout.trim()).toBe('app|appdb');
        const wrong = await query('not-the-password');
        expect(wrong.exitCode).not.toBe(0);
        expect(wrong.stderr).toContain('password authentication failed');
        expect((await docker(['exec', name, 'id', '-u'])).stdout.trim()).toBe('999');
        const logs = await docker(['logs', name]);
        expect(logs.stdout + logs.stderr).not.toContain(password);
      } finally {
        await docker(['rm', '--force', name], { allowFailure: true });
      }
    },
  );

  test(
    'pause reports its version and exits cleanly on SIGTERM',
    { tags: ['001-FR-009', '001-FR-154'] },
    async () => {
      const version = await docker(['run', '--rm', '--network=none', PAUSE_IMAGE, '-v']);
      expect(version.stdout.trim()).toBe(`pause (incluster) ${PAUSE_VERSION}`);
      const name = `incluster-images-pause-${process.pid}`;
      await docker(['run', '--detach', '--name', name, '--network=none', PAUSE_IMAGE]);
      try {
        await docker(['kill', '--signal=TERM', name]);
        const wait = await docker(['wait', name], { timeoutMs: 10_000 });
        expect(wait.stdout.trim()).toBe('0');
      } finally {
        await docker(['rm', '--force', name], { allowFailure: true });
      }
    },
  );

  test('busybox and CoreDNS run', { tags: ['001-FR-009', '001-FR-154'] }, async () => {
    const shell = await docker([
      'run',
      '--rm',
      '--network=none',
      BUSYBOX_IMAGE,
      'sh',
      '-c',
      'echo ok; nslookup 2>&1 | head -1',
    ]);
    expect(shell.stdout).toMatch(/^ok\nBusyBox v1\.35/);
    const dns = await docker(['run', '--rm', '--network=none', COREDNS_IMAGE, '-version']);
    expect(dns.stdout).toContain(`CoreDNS-${COREDNS_VERSION}`);
  });
});

describe('importing project images into containerd', { tags: ['001-FR-004', '001-FR-011'] }, () => {
  test('an image built in Docker is imported and verified under its name', async () => {
    const image = `incluster.local/images-it:${process.pid}`;
    const context = await mkdtemp(join(tmpdir(), 'incluster-images-ctx-'));
    try {
      await writeFile(join(context, 'Dockerfile'), `FROM ${BUSYBOX_IMAGE}\nRUN echo built > /marker\n`);
      await docker(['build', '--network=host', '--tag', image, context], { timeoutMs: 120_000 });
      await importImagesIntoContainerd([image], { containerdSocket: socket, docker: engine, status });
      expect(await ctrImages()).toContain(image);
    } finally {
      await runCommand('ctr', ['--address', socket, '--namespace', 'k8s.io', 'images', 'rm', image], {
        allowFailure: true,
      });
      await docker(['image', 'rm', image], { allowFailure: true });
      await rm(context, { recursive: true, force: true });
    }
  });

  test('an image Docker does not have fails naming it', async () => {
    const missing = 'incluster.local/never-built:1';
    const error = await importImagesIntoContainerd([missing], {
      containerdSocket: socket,
      docker: engine,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toContain(missing);
  });
});
