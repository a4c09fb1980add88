// The Docker engine kind's offline nodes run on: a dockerd of our own (host/dockerd.ts), beside any
// other (the local provider's included), with what kind needs: bridge networks for the `kind`
// docker network from a pool we know (so the network guard can cover it), a cgroup parent of ours,
// and the runtime wrapper as the default runtime where the machine lacks a capability (privileged
// nodes). Its data-root lives in the cache, so the node image survives `down`; everything else goes.
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../../process/exec.ts';
import { pathExists } from '../../../../process/paths.ts';
import {
  dockerCliEnv,
  dockerdPid,
  startDockerd,
  stopDockerd,
  unmountAndRemove,
  type DockerdSpec,
  type DockerEngine,
} from '../../../host/dockerd.ts';
import { missingHostCapabilities, runtimeWrapperScript } from '../../../host/runtime-wrapper.ts';

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

/** The kind engine's dockerd: bridges from our pool, our cgroup parent, the wrapper where needed. */
export function kindEngineSpec(paths: KindEnginePaths, wrapper: boolean): DockerdSpec {
  return {
    host: paths.host,
    dataRoot: paths.dataRoot,
    execRoot: paths.execRoot,
    pidFile: paths.pidFile,
    configFile: paths.configFile,
    logFile: paths.logFile,
    addressPool: KIND_ENGINE.addressPool,
    cgroupParent: KIND_ENGINE.cgroupParent,
    ...(wrapper ? { runtime: { name: KIND_ENGINE.runtimeName, path: paths.wrapper } } : {}),
  };
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
  const paths = kindEnginePaths(options.cacheRoot);
  const missing = await missingHostCapabilities();
  // Only where a capability is missing: elsewhere runc gets exactly what kind asked for.
  if (missing.length > 0 && (await kindEnginePid(paths)) === undefined) {
    await mkdir(join(KIND_ENGINE.stateDir, 'bin'), { recursive: true });
    await writeFile(paths.wrapper, runtimeWrapperScript(missing));
    await chmod(paths.wrapper, 0o755);
  }
  const pid = await startDockerd(kindEngineSpec(paths, missing.length > 0), options);
  return { ...kindEngine(options.cacheRoot, options.env), pid, missingCapabilities: missing };
}

/**
 * Stops the kind engine (its containerd exits with it), unmounts what it left under its run
 * directory, removes its cgroup parent from every hierarchy and its state; the data-root (the
 * cache) stays. Returns what could not be undone.
 */
export async function stopKindEngine(options: { cacheRoot: string; timeoutMs?: number }): Promise<string[]> {
  const paths = kindEnginePaths(options.cacheRoot);
  const stop = await stopDockerd(paths.pidFile, { timeoutMs: options.timeoutMs ?? 60_000 });
  const problems = [...stop.problems, ...(await unmountAndRemove(KIND_ENGINE.runDir))];
  problems.push(...(await removeCgroupParent()));
  await rm(KIND_ENGINE.stateDir, { recursive: true, force: true });
  return problems;
}

/** The pid of the running kind engine's dockerd (from our pid file, checked against its command line). */
export function kindEnginePid(paths: KindEnginePaths): Promise<number | undefined> {
  return dockerdPid(paths.pidFile);
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
