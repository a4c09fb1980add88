// The supervisor process of a local cluster: started detached by `incluster up`, it starts every
// component in order, restarts one that exits (with backoff, so a crash loop does not spin), and on
// SIGTERM stops them in reverse order. `incluster down` signals it; nothing else keeps the cluster alive.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import type { ComponentSpec } from './components.ts';

interface Running {
  spec: ComponentSpec;
  child: ChildProcess | undefined;
  restarts: number;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
}

const [specPath, statusPath] = process.argv.slice(2);
if (!specPath || !statusPath) {
  process.stderr.write('usage: supervisor-main <spec.json> <status.json>\n');
  process.exit(2);
}
const specs = (JSON.parse(readFileSync(specPath, 'utf8')) as { components: ComponentSpec[] }).components;
const running: Running[] = specs.map((spec) => ({
  spec,
  child: undefined,
  restarts: 0,
  startedAt: 0,
  timer: undefined,
}));
let stopping = false;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function writeStatus(): void {
  const status = {
    pid: process.pid,
    stopping,
    components: running.map((r) => ({
      name: r.spec.name,
      pid: r.child?.pid ?? null,
      restarts: r.restarts,
      startedAt: r.startedAt,
    })),
  };
  writeFileSync(statusPath!, `${JSON.stringify(status, null, 2)}\n`);
}

function start(entry: Running): void {
  entry.timer = undefined;
  if (stopping) return;
  const fd = openSync(entry.spec.log, 'a');
  const child = spawn(entry.spec.command, entry.spec.args, {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...entry.spec.env },
  });
  closeSync(fd);
  entry.child = child;
  entry.startedAt = Date.now();
  log(`started ${entry.spec.name} (pid ${child.pid})`);
  child.on('error', (error) => log(`${entry.spec.name}: ${error.message}`));
  child.on('exit', (code, signal) => {
    entry.child = undefined;
    writeStatus();
    if (stopping) return;
    // Back off 1 s, 2 s, 4 s … up to 15 s; a component that ran for a minute starts again from 1 s.
    if (Date.now() - entry.startedAt > 60_000) entry.restarts = 0;
    const delay = Math.min(15_000, 1000 * 2 ** Math.min(entry.restarts, 4));
    entry.restarts += 1;
    log(`${entry.spec.name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
    entry.timer = setTimeout(() => start(entry), delay);
  });
  writeStatus();
}

async function stopAll(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping components`);
  for (const entry of [...running].reverse()) {
    if (entry.timer) clearTimeout(entry.timer);
    const child = entry.child;
    if (!child || child.exitCode !== null) continue;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 10_000));
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      log(`${entry.spec.name} did not stop in 10 s; killing it`);
      child.kill('SIGKILL');
      await exited;
    }
    log(`stopped ${entry.spec.name}`);
  }
  writeStatus();
  process.exit(0);
}

process.on('SIGTERM', () => void stopAll('SIGTERM'));
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGHUP', () => undefined);
for (const entry of running) start(entry);
