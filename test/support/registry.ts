// A real container registry on this machine for the registry path's tests: the distribution
// registry incluster builds from the Go module proxy (src/cluster/host/registry.ts), listening on a
// free port of 127.0.0.1 (plain HTTP: Docker and containerd both allow it for loopback addresses
// without configuration), its data and log in a temporary directory. `stop` ends it and removes the
// directory, so a test leaves no process, no data and no open port behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRoot } from '../../src/cluster/cache.ts';
import { ensureRegistryBinary } from '../../src/cluster/host/registry.ts';

/** A registry this test process started. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`: what `cluster.existing.registry` starts with. */
  host: string;
  port: number;
  pid: number;
  /** The temporary directory holding its configuration, storage and log. */
  dir: string;
  /** The repositories it holds (`/v2/_catalog`). */
  catalog(): Promise<string[]>;
  /** The manifest digest `repository:tag` resolves to, or undefined when it has none. */
  manifestDigest(repository: string, tag: string): Promise<string | undefined>;
  /** Its log so far: access log lines (method, path, user agent) and its own messages. */
  log(): Promise<string>;
  /** Ends the process (TERM, then KILL after 10 s) and removes its directory; idempotent. */
  stop(): Promise<void>;
}

/** Starts the cached registry (building it first when missing) and waits until `/v2/` answers. */
export async function startRegistry(options: { env?: NodeJS.ProcessEnv } = {}): Promise<LocalRegistry> {
  const env = options.env ?? process.env;
  const binary = await ensureRegistryBinary({
    cacheRoot: cacheRoot(env),
    status: { phase: (_name, work) => work() },
    env,
  });
  const dir = await mkdtemp(join(tmpdir(), 'incluster-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(config, registryConfig(join(dir, 'data'), port));
  const logFile = join(dir, 'registry.log');
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['serve', config], {
      stdio: ['ignore', out, out],
      // No tracing exporter: the registry would otherwise try to reach an OTLP collector.
      env: {
        ...env,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
    });
  } finally {
    closeSync(out);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const host = `127.0.0.1:${port}`;
  const base = `http://${host}`;
  let stopped: Promise<void> | undefined;
  const registry: LocalRegistry = {
    host,
    port,
    pid: child.pid!,
    dir,
    async catalog() {
      const body = (await (await fetch(`${base}/v2/_catalog`)).json()) as { repositories?: string[] };
      return body.repositories ?? [];
    },
    async manifestDigest(repository, tag) {
      const response = await fetch(`${base}/v2/${repository}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { accept: MANIFEST_TYPES.join(', ') },
      });
      return response.ok ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        }
        await rm(dir, { recursive: true, force: true });
      })()),
  };
  try {
    await untilAnswers(`${base}/v2/`, exited, logFile);
  } catch (error) {
    await registry.stop();
    throw error;
  }
  return registry;
}

/** Whether anything accepts connections on 127.0.0.1:`port`. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The manifest types Docker pushes (a single-platform image: the Docker v2 or OCI manifest). */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
];

/** Filesystem storage under `data`, loopback only, an access log line per request, no health checks. */
// (The secret only signs upload state; a fresh one per start is what a single instance wants.)
function registryConfig(data: string, port: number): string {
  return `version: 0.1
log:
  level: warn
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${data}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
health:
  storagedriver:
    enabled: false
`;
}

/** Polls `url` until it answers 200; fails at once when the process exits, with its log. */
async function untilAnswers(url: string, exited: Promise<void>, logFile: string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (gone) break;
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const log = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`the registry did not answer at ${url}${gone ? ' (it exited)' : ''}:\n${log.slice(-2000)}`);
}
