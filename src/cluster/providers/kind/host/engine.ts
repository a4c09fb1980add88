// The Docker engine kind's nodes run on when no engine answers: a dockerd of our own, beside any
// other (the local provider's included), with its own socket, data-root, exec-root and containerd.
// It differs from the local provider's build engine in what kind needs: bridge networks for the
// `kind` docker network, a default address pool we know (so the network guard can cover it), a
// cgroup parent of ours, and the runtime wrapper as the default runtime (privileged nodes).
// Its data-root lives in the cache, so the node image survives `down`; everything else goes.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../../errors.ts';
import { runCommand } from '../../../../process/exec.ts';
import { pathExists } from '../../../../process/paths.ts';
import { delay } from '../../../../delay.ts';
import { dockerCliEnv, mountsUnder, type DockerEngine } from '../../local/images/docker-engine.ts';
import { missingHostCapabilities, runtimeWrapperScript } from './runtime-wrapper.ts';

/** Fixed addresses and names of incluster's kind engine (one per machine). */
export const KIND_ENGINE = {
  /** State of the running engine: pid file, its config, the runtime wrapper, logs. Removed by stop. */
  stateDir: '/var/lib/incluster-kind',
  /** Short and under /run: dockerd and its containerd put unix sockets in it (108-byte limit). */
  runDir: '/run/incluster-kind',
  /** Name of the wrapper runtime in dockerd. */
  runtimeName: 'incluster-runc',
  /** The pool the `kind` network's subnet comes from; private, clear of Docker's and the local cluster's. */
  addressPool: '172.29.0.0/16',
  /** The cgroup (under each v1 hierarchy) the nodes' cgroups are made in, removed when the engine stops. */
  cgroupParent: 'incluster-kind',
} as const;

/** Paths of the kind engine's files. */
export interface KindEnginePaths {
  host: string;
  socket: string;
  execRoot: string;
  dataRoot: string;
  pidFile: string;
  configFile: string;
  logFile: string;
  wrapper: string;
}

/** Where the kind engine keeps its files; `cacheRoot` holds the data-root (images survive down). */
export function kindEnginePaths(cacheRoot: string): KindEnginePaths {
  const socket = join(KIND_ENGINE.runDir, 'docker.sock');
  return {
    host: `unix://${socket}`,
    socket,
    execRoot: join(KIND_ENGINE.runDir, 'exec'),
    dataRoot: join(cacheRoot, 'kind', 'docker'),
    pidFile: join(KIND_ENGINE.stateDir, 'dockerd.pid'),
    configFile: join(KIND_ENGINE.stateDir, 'daemon.json'),
    logFile: join(KIND_ENGINE.stateDir, 'dockerd.log'),
    wrapper: join(KIND_ENGINE.stateDir, 'bin', KIND_ENGINE.runtimeName),
  };
}

/**
 * dockerd's command line. iptables stays off (docker would add its own chains and a DROP policy to
 * FORWARD for the whole machine); published ports work through docker-proxy instead, and nodes on
 * the same bridge need no NAT. No default bridge: only the networks kind creates.
 */
export function kindDockerdArgs(paths: KindEnginePaths, wrapper: boolean): string[] {
  return [
    '--host',
    paths.host,
    '--data-root',
    paths.dataRoot,
    '--exec-root',
    paths.execRoot,
    '--pidfile',
    paths.pidFile,
    '--config-file',
    paths.configFile,
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--ip-masq=false',
    '--userland-proxy=true',
    '--default-address-pool',
    `base=${KIND_ENGINE.addressPool},size=24`,
    '--exec-opt',
    'native.cgroupdriver=cgroupfs',
    '--cgroup-parent',
    `/${KIND_ENGINE.cgroupParent}`,
    ...(wrapper
      ? [
          '--add-runtime',
          `${KIND_ENGINE.runtimeName}=${paths.wrapper}`,
          '--default-runtime',
          KIND_ENGINE.runtimeName,
        ]
      : []),
  ];
}

/** The kind engine as a DockerEngine, whether or not it runs. */
export function kindEngine(cacheRoot: string, env: NodeJS.ProcessEnv = process.env): DockerEngine {
  const paths = kindEnginePaths(cacheRoot);
  return {
    host: paths.host,
    env: dockerCliEnv(paths.host, env),
    startedByUs: true,
    pid: undefined,
    logFile: paths.logFile,
  };
}

/** Starts the kind engine unless it already runs; returns it once `docker info` answers. */
export async function startKindEngine(options: {
  cacheRoot: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
}): Promise<DockerEngine & { missingCapabilities: string[] }> {
  const env = options.env ?? process.env;
  const paths = kindEnginePaths(options.cacheRoot);
  const engine = kindEngine(options.cacheRoot, env);
  const missing = await missingHostCapabilities();
  const running = await kindEnginePid(paths);
  if (running !== undefined && (await answers(engine.env)))
    return { ...engine, pid: running, missingCapabilities: missing };
  for (const dir of [join(KIND_ENGINE.stateDir, 'bin'), KIND_ENGINE.runDir, paths.execRoot, paths.dataRoot])
    await mkdir(dir, { recursive: true });
  await writeFile(paths.configFile, '{}\n');
  // Only where a capability is missing: elsewhere runc gets exactly what kind asked for.
  if (missing.length > 0) {
    await writeFile(paths.wrapper, runtimeWrapperScript(missing));
    await chmod(paths.wrapper, 0o755);
  }
  const daemonEnv = { ...env };
  delete daemonEnv.DOCKER_HOST;
  const fd = openSync(paths.logFile, 'a');
  let pid: number;
  try {
    // Detached into its own process group: it outlives this process and is stopped by pid, never by name.
    const child = spawn('dockerd', kindDockerdArgs(paths, missing.length > 0), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: daemonEnv,
    });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new InfrastructureError('DockerdFailed', 'dockerd did not start');
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!(await answers(engine.env))) {
    if (!isAlive(pid) || Date.now() > deadline) {
      throw new InfrastructureError(
        'DockerdFailed',
        `the kind engine's dockerd (pid ${pid}) did not answer`,
        {
          hint: `see ${paths.logFile}`,
        },
      );
    }
    options.signal?.throwIfAborted();
    await delay(250);
  }
  return { ...engine, pid, missingCapabilities: missing };
}

/**
 * Stops the kind engine (its containerd exits with it), unmounts what it left in its exec-root,
 * removes its cgroup parent from every hierarchy and its state; the data-root (the cache) stays.
 * Returns what could not be undone.
 */
export async function stopKindEngine(options: { cacheRoot: string; timeoutMs?: number }): Promise<string[]> {
  const paths = kindEnginePaths(options.cacheRoot);
  const problems: string[] = [];
  const pid = await kindEnginePid(paths);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (isAlive(pid) && Date.now() < deadline) await delay(200);
    if (isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      problems.push(`dockerd ${pid} did not stop on SIGTERM and was killed`);
    }
  }
  for (const point of mountsUnder(await readFile('/proc/self/mounts', 'utf8'), KIND_ENGINE.runDir)) {
    const plain = await runCommand('umount', [point], { allowFailure: true });
    if (plain.exitCode !== 0) await runCommand('umount', ['--lazy', point], { allowFailure: true });
  }
  await rm(KIND_ENGINE.runDir, { recursive: true, force: true }).catch((error: Error) =>
    problems.push(`could not remove ${KIND_ENGINE.runDir}: ${error.message}`),
  );
  problems.push(...(await removeCgroupParent()));
  await rm(KIND_ENGINE.stateDir, { recursive: true, force: true });
  return problems;
}

/** The pid of the running kind engine's dockerd (from our pid file, checked against its command line). */
export async function kindEnginePid(paths: KindEnginePaths): Promise<number | undefined> {
  const pid = Number((await readFile(paths.pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  return (argv[0] ?? '').endsWith('dockerd') && argv.includes(paths.pidFile) ? pid : undefined;
}

/** Removes our cgroup parent (empty once the nodes are gone) from every cgroup v1 hierarchy, deepest first. */
async function removeCgroupParent(): Promise<string[]> {
  const problems: string[] = [];
  const root = '/sys/fs/cgroup';
  for (const hierarchy of await readdir(root).catch(() => [] as string[])) {
    const dir = join(root, hierarchy, KIND_ENGINE.cgroupParent);
    if (!(await pathExists(dir))) continue;
    const result = await runCommand('find', [dir, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], {
      allowFailure: true,
    });
    if (await pathExists(dir)) problems.push(`cgroup ${dir} could not be removed: ${result.stderr.trim()}`);
  }
  return problems;
}

async function answers(env: NodeJS.ProcessEnv): Promise<boolean> {
  const result = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
    env,
    allowFailure: true,
    timeoutMs: 15_000,
  }).catch(() => undefined);
  return result !== undefined && result.exitCode === 0 && result.stdout.trim() !== '';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) is not running.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
