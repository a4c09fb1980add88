// The Docker engines incluster starts itself: a dockerd of our own, detached, with its own socket,
// data-root, exec-root, pid file and log, beside any engine the machine already runs. The local
// provider starts one to build images on the cluster's containerd; the kind provider starts one
// for its nodes. Each passes what it needs (DockerdSpec); starting, waiting, proving a pid is ours
// and stopping are the same for both. It never touches the host's networking: no iptables rules,
// no ip_forward, no default bridge.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { delay } from '../../delay.ts';
import { InfrastructureError } from '../../errors.ts';
import { isOnPath, runCommand } from '../../process/exec.ts';
import { pathExists } from '../../process/paths.ts';

/** Where the Docker CLI looks when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/** A Docker engine, and how to talk to it. */
export interface DockerEngine {
  /** DOCKER_HOST of the engine, e.g. `unix:///var/run/docker.sock`. */
  host: string;
  /** Environment for the `docker` CLI: DOCKER_HOST set, BuildKit off (Debian ships no buildx). */
  env: NodeJS.ProcessEnv;
  /** True when incluster started this dockerd (and may stop it). */
  startedByUs: boolean;
  /** The dockerd we started; undefined for an engine found running. */
  pid: number | undefined;
  /** Log of the dockerd we started. */
  logFile: string | undefined;
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

/** One dockerd of ours: its files, and what its provider needs of it. */
export interface DockerdSpec {
  /** `unix://` socket it serves. */
  host: string;
  dataRoot: string;
  /** Short and under /run: dockerd puts unix sockets in it, whose paths are limited to 108 bytes. */
  execRoot: string;
  pidFile: string;
  /** An empty config of our own, so /etc/docker/daemon.json cannot turn networking back on. */
  configFile: string;
  logFile: string;
  /** A containerd to run containers on (the local cluster's); by default dockerd starts its own. */
  containerd?: string;
  /**
   * Bridge networks from this pool (kind creates one for its nodes), with ports published through
   * docker-proxy; without it the engine has no networks but the host's (builds use --network=host).
   */
  addressPool?: string;
  /** The cgroup (under each v1 hierarchy) containers' cgroups are made in; its owner removes it. */
  cgroupParent?: string;
  /** A runtime registered and made the default (kind's runtime wrapper). */
  runtime?: { name: string; path: string };
}

/** dockerd's command line for `spec`. */
export function dockerdArgs(spec: DockerdSpec): string[] {
  return [
    '--host',
    spec.host,
    ...(spec.containerd ? ['--containerd', spec.containerd] : []),
    '--data-root',
    spec.dataRoot,
    '--exec-root',
    spec.execRoot,
    '--pidfile',
    spec.pidFile,
    '--config-file',
    spec.configFile,
    // Docker's chains would set FORWARD's policy to DROP for the whole machine.
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--bridge=none',
    `--userland-proxy=${spec.addressPool ? 'true' : 'false'}`,
    ...(spec.addressPool ? ['--default-address-pool', `base=${spec.addressPool},size=24`] : []),
    ...(spec.cgroupParent
      ? ['--exec-opt', 'native.cgroupdriver=cgroupfs', '--cgroup-parent', `/${spec.cgroupParent}`]
      : []),
    ...(spec.runtime
      ? ['--add-runtime', `${spec.runtime.name}=${spec.runtime.path}`, '--default-runtime', spec.runtime.name]
      : []),
  ];
}

/** What starting or stopping a dockerd needs besides its spec. */
export interface DockerdOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** How long a started dockerd may take to answer, or a stopped one to exit (default 60 s). */
  timeoutMs?: number;
}

/**
 * Starts the dockerd of `spec` unless ours already runs (its pid file names a live dockerd given
 * that very pid file), and returns its pid once `docker info` answers; a dockerd that exits or does
 * not answer in time is an error quoting the end of its log.
 */
export async function startDockerd(spec: DockerdSpec, options: DockerdOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cliEnv = dockerCliEnv(spec.host, env);
  const pid = (await dockerdPid(spec.pidFile)) ?? (await spawnDockerd(spec, env));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (await engineAnswers(cliEnv, options.signal)) return pid;
    const alive = isAlive(pid);
    if (!alive || Date.now() > deadline) {
      if (alive) process.kill(pid, 'SIGTERM');
      const why = alive
        ? `did not answer within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`
        : 'exited';
      throw new InfrastructureError('DockerdFailed', `dockerd (pid ${pid}, ${spec.host}) ${why}`, {
        hint: `the end of ${spec.logFile}:\n${await logTail(spec.logFile)}`,
      });
    }
    options.signal?.throwIfAborted();
    await delay(250);
  }
}

async function spawnDockerd(spec: DockerdSpec, env: NodeJS.ProcessEnv): Promise<number> {
  if (spec.containerd && !(await pathExists(spec.containerd)))
    throw new InfrastructureError(
      'ContainerdMissing',
      `no containerd socket at ${spec.containerd} for dockerd to use`,
      {
        hint: 'start containerd first (the local cluster starts it before building images)',
      },
    );
  if (!(await isOnPath('dockerd', env)))
    throw new InfrastructureError(
      'DockerdMissing',
      'no Docker engine answers and `dockerd` is not installed',
      {
        hint: 'install Debian’s docker.io package (apt-get install docker.io)',
      },
    );
  for (const dir of [
    dirname(spec.pidFile),
    dirname(spec.configFile),
    dirname(spec.logFile),
    spec.dataRoot,
    spec.execRoot,
  ])
    await mkdir(dir, { recursive: true });
  await writeFile(spec.configFile, '{}\n');
  const daemonEnv = { ...env };
  delete daemonEnv.DOCKER_HOST;
  const fd = openSync(spec.logFile, 'a');
  try {
    // Detached into its own process group: it outlives this process and is stopped by pid, never by name.
    const child = spawn('dockerd', dockerdArgs(spec), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: daemonEnv,
    });
    child.on('error', () => undefined); // reported by startDockerd through the log
    child.unref();
    if (child.pid === undefined) throw new InfrastructureError('DockerdFailed', 'dockerd did not start');
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** What stopDockerd did: whether one ran, its command line, and what it could not do cleanly. */
export interface DockerdStop {
  stopped: boolean;
  /** The stopped dockerd's arguments (where its exec-root was, for its owner to remove). */
  argv: string[];
  problems: string[];
}

/**
 * Stops our dockerd whose pid file is `pidFile` (SIGTERM, SIGKILL after the timeout; its
 * containerd, when it started one, exits with it) and removes the pid file. Its exec-root is its
 * owner's to remove (unmountAndRemove): only the owner knows which directories are its own.
 */
export async function stopDockerd(pidFile: string, options: DockerdOptions = {}): Promise<DockerdStop> {
  const problems: string[] = [];
  const pid = await dockerdPid(pidFile);
  const argv = pid === undefined ? [] : await commandLine(pid);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    // No event exists for a non-child's exit.
    while (isAlive(pid) && Date.now() < deadline) await delay(100);
    if (isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      problems.push(`dockerd ${pid} did not stop on SIGTERM and was killed`);
    }
  }
  await rm(pidFile, { force: true });
  return { stopped: pid !== undefined, argv, problems };
}

/** The value of `flag` in a dockerd command line, if given. */
export function argOf(argv: readonly string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}

/** Unmounts everything at or under `dir` (dockerd leaves network namespaces bind-mounted there), then removes it. */
export async function unmountAndRemove(dir: string): Promise<string[]> {
  if (!dir.startsWith('/') || dir === '/') throw new Error(`unmountAndRemove: refusing \`${dir}\``);
  for (const point of mountsUnder(await readFile('/proc/self/mounts', 'utf8'), dir)) {
    const plain = await runCommand('umount', [point], { allowFailure: true });
    if (plain.exitCode !== 0) await runCommand('umount', ['--lazy', point], { allowFailure: true });
  }
  try {
    await rm(dir, { recursive: true, force: true });
    return [];
  } catch (error) {
    return [`could not remove ${dir}: ${(error as Error).message}`];
  }
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

/** The pid in `pidFile` when it is a live dockerd that was given that very pid file (so, ours). */
export async function dockerdPid(pidFile: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const argv = await commandLine(pid);
  return (argv[0] ?? '').endsWith('dockerd') && argv.includes(pidFile) ? pid : undefined;
}

async function commandLine(pid: number): Promise<string[]> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
}

/** True when an engine answers `docker info` with `env`; a missing `docker` command is an error. */
export async function engineAnswers(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<boolean> {
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

/** True while `pid` runs; a zombie (exited, not yet reaped) does not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
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
