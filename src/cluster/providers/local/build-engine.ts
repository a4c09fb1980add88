// The Docker engine that builds the local cluster's images. An engine that already answers is used
// as it is; otherwise incluster starts its own dockerd (host/dockerd.ts) on top of the cluster's
// containerd, with its pid file and log in the cluster's state directory and its data-root in the
// cache (built layers survive `down`). It has no networks: builds run with --network=host.
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';
import type { Status } from '../../../progress/status.ts';
import { cacheKey, cacheRoot as defaultCacheRoot } from '../../cache.ts';
import {
  argOf,
  DEFAULT_DOCKER_HOST,
  dockerEngineFor,
  engineAnswers,
  startDockerd,
  stopDockerd,
  unmountAndRemove,
  type DockerdSpec,
  type DockerEngine,
} from '../../host/dockerd.ts';

/** containerd's own default socket; the local cluster passes its own. */
export const DEFAULT_CONTAINERD_SOCKET = '/run/containerd/containerd.sock';

/** Prefix of the exec-roots of the dockerds we start; only those are ever cleaned up. */
const EXEC_ROOT_PREFIX = '/run/incluster-docker';

/** ensureDockerEngine's options: where a dockerd we start keeps its files, and its containerd. */
export interface BuildEngineOptions {
  /** The local cluster's state directory: holds the pid file, daemon.json and logs/dockerd.log. */
  stateDir: string;
  /** containerd that a dockerd we start runs its containers on (default /run/containerd/containerd.sock). */
  containerdSocket?: string;
  /** Cache root holding dockerd's data-root (default cacheRoot()). */
  cacheRoot?: string;
  /** DOCKER_HOST is read from here (default process.env). */
  env?: NodeJS.ProcessEnv;
  status?: Status;
  signal?: AbortSignal;
  /** How long a started dockerd may take to answer (default 60 s). */
  timeoutMs?: number;
}

/** The dockerd serving `host`; an engine on another socket gets its own data and exec roots. */
export function buildEngineSpec(
  stateDir: string,
  cacheRoot: string,
  host: string,
  containerd: string = DEFAULT_CONTAINERD_SOCKET,
): DockerdSpec {
  if (!host.startsWith('unix://'))
    throw new Error(`only a unix:// DOCKER_HOST can be started here, got \`${host}\``);
  // A second engine must never share a data-root with the first: dockerd would corrupt it.
  const suffix = host === DEFAULT_DOCKER_HOST ? '' : `-${cacheKey([host]).slice(0, 8)}`;
  return {
    host,
    containerd,
    dataRoot: join(cacheRoot, 'docker', `data${suffix}`),
    execRoot: `${EXEC_ROOT_PREFIX}${suffix}`,
    pidFile: join(stateDir, 'docker', 'dockerd.pid'),
    configFile: join(stateDir, 'docker', 'daemon.json'),
    logFile: join(stateDir, 'logs', 'dockerd.log'),
  };
}

/** Returns a Docker engine that answers, starting dockerd (and waiting for it) when none does. */
export async function ensureDockerEngine(options: BuildEngineOptions): Promise<DockerEngine> {
  const env = options.env ?? process.env;
  const found = dockerEngineFor(env);
  if (await engineAnswers(found.env, options.signal)) return found;
  if (!found.host.startsWith('unix://'))
    throw new InfrastructureError(
      'DockerUnreachable',
      `no Docker engine answers at DOCKER_HOST=${found.host}`,
      {
        hint: 'start that engine, or unset DOCKER_HOST so incluster starts its own dockerd',
      },
    );
  const spec = buildEngineSpec(
    options.stateDir,
    options.cacheRoot ?? defaultCacheRoot(env),
    found.host,
    options.containerdSocket,
  );
  const start = () => startDockerd(spec, { env, signal: options.signal, timeoutMs: options.timeoutMs });
  const pid = options.status
    ? await options.status.phase('Starting the Docker engine (dockerd)', start)
    : await start();
  return { host: found.host, env: found.env, startedByUs: true, pid, logFile: spec.logFile };
}

/** Stops the dockerd that ensureDockerEngine started for `stateDir`; leaves any other engine alone. */
export async function stopDockerEngine(options: { stateDir: string; timeoutMs?: number }): Promise<boolean> {
  const stop = await stopDockerd(join(options.stateDir, 'docker', 'dockerd.pid'), {
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  // Its exec-root is the one its socket decided at start; only ours (by prefix) are removed.
  const execRoot = argOf(stop.argv, '--exec-root');
  if (execRoot?.startsWith(EXEC_ROOT_PREFIX)) await unmountAndRemove(execRoot);
  return stop.stopped;
}
