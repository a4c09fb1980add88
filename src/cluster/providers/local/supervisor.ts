// Starts and stops a local cluster's supervisor process (supervisor-main.ts), which owns every
// component process. Its pid file is the record of what `up` started.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentSpec } from './components.ts';
import type { LocalLayout } from './layout.ts';
import { delay } from '../../../delay.ts';

/** Status the supervisor writes whenever a component starts or exits. */
export interface SupervisorStatus {
  pid: number;
  stopping: boolean;
  components: { name: string; pid: number | null; restarts: number; startedAt: number }[];
}

/** Starts the supervisor detached (it outlives `incluster up`) and returns its pid. */
export async function startSupervisor(layout: LocalLayout, components: ComponentSpec[]): Promise<number> {
  await writeFile(layout.supervisorSpec, `${JSON.stringify({ components }, null, 2)}\n`);
  const main = fileURLToPath(
    new URL(`./supervisor-main${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
  );
  const fd = openSync(join(layout.logDir, 'supervisor.log'), 'a');
  const child = spawn(process.execPath, [main, layout.supervisorSpec, layout.supervisorStatus], {
    detached: true,
    stdio: ['ignore', fd, fd],
    cwd: layout.stateDir,
  });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error('the supervisor process did not start');
  await writeFile(layout.supervisorPidFile, `${child.pid}\n`);
  return child.pid;
}

/** The pid of the running supervisor, or undefined when none runs. */
export async function supervisorPid(layout: LocalLayout): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(layout.supervisorPidFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  // A recycled pid is not our supervisor: check its command line.
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('supervisor-main') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The supervisor's last written status, or undefined. */
export async function readSupervisorStatus(layout: LocalLayout): Promise<SupervisorStatus | undefined> {
  try {
    return JSON.parse(await readFile(layout.supervisorStatus, 'utf8')) as SupervisorStatus;
  } catch {
    return undefined;
  }
}

/** Asks the supervisor to stop every component and waits until it has exited. */
export async function stopSupervisor(layout: LocalLayout, timeoutMs = 90_000): Promise<boolean> {
  const pid = await supervisorPid(layout);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      await rm(layout.supervisorPidFile, { force: true });
      return true;
    }
    await delay(100);
  }
  process.kill(pid, 'SIGKILL');
  await rm(layout.supervisorPidFile, { force: true });
  return true;
}
