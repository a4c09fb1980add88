// The Docker engine that builds images for the local cluster. An engine that already answers is used
// as it is; otherwise we start Debian's dockerd on top of the cluster's containerd, detached, with
// its pid file and log in the cluster's state directory. It never touches the host's networking
// (no bridge, no iptables, no ip_forward), so builds run with --network=host.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InfrastructureError } from '../../../../errors.ts';
import { isOnPath, runCommand } from '../../../../process/exec.ts';
import type { Status } from '../../../../progress/status.ts';
import { cacheRoot as defaultCacheRoot } from '../../../cache.ts';
import { imageKey } from './image-cache.ts';
import { pathExists } from '../../../../process/paths.ts';
import { delay } from '../../../../delay.ts';

/** Where the Docker CLI looks when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** containerd's own default socket; the local cluster passes its own. */
export const DEFAULT_CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

/** Prefix of the exec-roots of the dockerds we start; only those are ever cleaned up. */
const EXEC_ROOT_PREFIX = '/run/incluster-docker';

/** A Docker engine that answers, and how to talk to it. */
export interface DockerEngine {
  /** DOCKER_HOST of the engine, e.g. `unix:///var/run/docker.sock`. */
  host: string;
  /** Environment for the `docker` CLI: DOCKER_HOST set, BuildKit off (Debian ships no buildx). */
  env: NodeJS.ProcessEnv;
  /** True when ensureDockerEngine started this dockerd (and stopDockerEngine may stop it). */
  startedByUs: boolean;
  /** The dockerd we started; undefined for an engine found running. */
  pid: number | undefined;
  /** Log of the dockerd we started. */
  logFile: string | undefined;
}

/** ensureDockerEngine's options: where a dockerd we start keeps its files, and its containerd. */
export interface DockerEngineOptions {
  /** The local cluster's state directory: holds the pid file, daemon.json and logs/dockerd.log. */
  stateDir: string;
  /** containerd that a dockerd we start runs its containers on (default /run/containerd/containerd.sock). */
  containerdSocket?: string;
  /** Cache root holding dockerd's data-root, so built layers survive `down` (default cacheRoot()). */
  cacheRoot?: string;
  /** DOCKER_HOST is read from here (default process.env). */
  env?: NodeJS.ProcessEnv;
  status?: Status;
  signal?: AbortSignal;
  /** How long a started dockerd may take to answer (default 60 s). */
  timeoutMs?: number;
}

/** Files and directories of a dockerd we start. */
export interface DockerdPaths {
  socketPath: string;
  dataRoot: string;
  execRoot: string;
  pidFile: string;
  configFile: string;
  logFile: string;
}

/** Paths for a dockerd serving `host`; engines on other sockets get their own data and exec roots. */
export function dockerdPaths(stateDir: string, cacheRoot: string, host: string): DockerdPaths {
  if (!host.startsWith('unix://'))
    throw new Error(`only a unix:// DOCKER_HOST can be started here, got \`${host}\``);
  // A second engine must never share a data-root with the first: dockerd would corrupt it.
  const suffix = host === DEFAULT_DOCKER_HOST ? '' : `-${imageKey([host]).slice(0, 8)}`;
  return {
    socketPath: host.slice('unix://'.length),
    dataRoot: join(cacheRoot, 'docker', `data${suffix}`),
    // Short and under /run: dockerd puts unix sockets in it, whose paths are limited to 108 bytes.
    execRoot: `${EXEC_ROOT_PREFIX}${suffix}`,
    pidFile: join(stateDir, 'docker', 'dockerd.pid'),
    configFile: join(stateDir, 'docker', 'daemon.json'),
    logFile: join(stateDir, 'logs', 'dockerd.log'),
  };
}

/** dockerd's command line: its own roots and config, the given containerd, hands off the host network. */
export function dockerdArgs(paths: DockerdPaths, containerdSocket: string): string[] {
  return [
    '--host',
    `unix://${paths.socketPath}`,
    '--containerd',
    containerdSocket,
    '--data-root',
    paths.dataRoot,
    '--exec-root',
    paths.execRoot,
    '--pidfile',
    paths.pidFile,
    // An empty config of our own, so /etc/docker/daemon.json cannot turn networking back on.
    '--config-file',
    paths.configFile,
    '--iptables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--bridge=none',
    '--userland-proxy=false',
  ];
}

/** The environment the `docker` CLI needs for `host`: DOCKER_HOST, and the legacy builder. */
export function dockerCliEnv(host: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
}

/** The engine `docker` would talk to with `env`, without checking that it answers. */
export function dockerEngineFor(env: NodeJS.ProcessEnv = process.env): DockerEngine {
  const host = env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  return { host, env: dockerCliEnv(host, env), startedByUs: false, pid: undefined, logFile: undefined };
}

/** Returns a Docker engine that answers, starting dockerd (and waiting for it) when none does. */
export async function ensureDockerEngine(options: DockerEngineOptions): Promise<DockerEngine> {
  const env = options.env ?? process.env;
  const found = dockerEngineFor(env);
  if (await engineAnswers(found.env, options.signal)) return found;

  const host = found.host;
  if (!host.startsWith('unix://')) {
    throw new InfrastructureError('DockerUnreachable', `no Docker engine answers at DOCKER_HOST=${host}`, {
      hint: 'start that engine, or unset DOCKER_HOST so incluster starts its own dockerd',
    });
  }
  const containerdSocket = options.containerdSocket ?? DEFAULT_CONTAINERD_SOCKET;
  const paths = dockerdPaths(options.stateDir, options.cacheRoot ?? defaultCacheRoot(env), host);
  const start = async () => {
    const running = await ourDockerdPid(paths.pidFile);
    const pid = running ?? (await spawnDockerd(paths, containerdSocket, env));
    await waitUntilAnswering(found.env, pid, paths.logFile, options.timeoutMs ?? 60_000, options.signal);
    return pid;
  };
  const pid = options.status
    ? await options.status.phase('Starting the Docker engine (dockerd)', start)
    : await start();
  return { host, env: found.env, startedByUs: true, pid, logFile: paths.logFile };
}

/** Stops the dockerd that ensureDockerEngine started for `stateDir`; leaves any other engine alone. */
export async function stopDockerEngine(options: { stateDir: string; timeoutMs?: number }): Promise<boolean> {
  const pidFile = join(options.stateDir, 'docker', 'dockerd.pid');
  const pid = await ourDockerdPid(pidFile);
  if (pid === undefined) return false;
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  const execRoot = argv[argv.indexOf('--exec-root') + 1];
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (!isAlive(pid)) break;
    await delay(100);
  }
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await rm(pidFile, { force: true });
  if (argv.includes('--exec-root') && execRoot?.startsWith(EXEC_ROOT_PREFIX)) await removeExecRoot(execRoot);
  return true;
}

/** The mount points at or under `dir` in a /proc/mounts text, deepest first. */
export function mountsUnder(procMounts: string, dir: string): string[] {
  return procMounts
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`))
    .sort()
    .reverse();
}

/** dockerd can leave its network namespace bind-mounted in the exec-root: unmount it, then remove the root. */
async function removeExecRoot(execRoot: string): Promise<void> {
  const mounts = mountsUnder(await readFile('/proc/self/mounts', 'utf8'), execRoot);
  for (const point of mounts) {
    const plain = await runCommand('umount', [point], { allowFailure: true });
    if (plain.exitCode !== 0) await runCommand('umount', ['--lazy', point], { allowFailure: true });
  }
  await rm(execRoot, { recursive: true, force: true }).catch(() => undefined);
}

/** True when an engine answers `docker info` with `env`. */
async function engineAnswers(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<boolean> {
  try {
    const result = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
      env,
      signal,
      allowFailure: true,
      timeoutMs: 15_000,
    });
    return result.exitCode === 0 && result.stdout.trim() !== '';
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new InfrastructureError('DockerCliMissing', 'the `docker` command is missing', {
      cause: error,
      hint: 'install Debian’s docker.io package (apt-get install docker.io)',
    });
  }
}

async function spawnDockerd(
  paths: DockerdPaths,
  containerdSocket: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  if (!(await pathExists(containerdSocket))) {
    throw new InfrastructureError(
      'ContainerdMissing',
      `no containerd socket at ${containerdSocket} for dockerd to use`,
      {
        hint: 'start containerd first (the local cluster starts it before building images)',
      },
    );
  }
  if (!(await isOnPath('dockerd', env))) {
    throw new InfrastructureError(
      'DockerdMissing',
      'no Docker engine answers and `dockerd` is not installed',
      {
        hint: 'install Debian’s docker.io package (apt-get install docker.io)',
      },
    );
  }
  for (const dir of [dirname(paths.pidFile), dirname(paths.logFile), paths.dataRoot, paths.execRoot]) {
    await mkdir(dir, { recursive: true });
  }
  await writeFile(paths.configFile, '{}\n');
  const daemonEnv = { ...env };
  delete daemonEnv.DOCKER_HOST;
  const fd = openSync(paths.logFile, 'a');
  try {
    // Detached into its own process group: it outlives this process and is stopped by pid, never by name.
    const child = spawn('dockerd', dockerdArgs(paths, containerdSocket), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: daemonEnv,
    });
    child.on('error', () => undefined); // reported by waitUntilAnswering through the log
    child.unref();
    if (child.pid === undefined) throw new InfrastructureError('DockerdFailed', 'dockerd did not start');
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

async function waitUntilAnswering(
  env: NodeJS.ProcessEnv,
  pid: number,
  logFile: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await engineAnswers(env, signal)) return;
    const alive = isAlive(pid);
    if (!alive || Date.now() > deadline) {
      if (alive) process.kill(pid, 'SIGTERM');
      const why = alive ? `did not answer within ${Math.round(timeoutMs / 1000)} s` : 'exited';
      throw new InfrastructureError('DockerdFailed', `dockerd (pid ${pid}) ${why}`, {
        hint: `the end of ${logFile}:\n${await logTail(logFile)}`,
      });
    }
    signal?.throwIfAborted();
    await delay(250);
  }
}

/** The pid in `pidFile` when it is a live dockerd that was given that very pid file (so, ours). */
async function ourDockerdPid(pidFile: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const ours = (argv[0] ?? '').endsWith('dockerd') && argv.includes(pidFile);
    return ours ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by us) is not running.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function logTail(file: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
