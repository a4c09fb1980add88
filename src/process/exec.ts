// The one way incluster starts subprocesses: argument arrays (never a shell string), and a failure
// that keeps the command line, the exit status and the output it printed. In the CLI each child runs
// in a process group of its own, so a terminal's Ctrl-C reaches incluster alone and incluster decides
// when and how its children stop (main.ts ends the live ones when it must stop at once).
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { InclusterError, ExitStatus } from '../errors.ts';
import { verboseEnabled, verboseLine, verboseRedactor } from '../verbose/log.ts';
import { redactArgv } from '../verbose/redact.ts';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then stdin is closed. */
  input?: string | Buffer;
  /**
   * Kills the child and its process group (SIGTERM, then SIGKILL after 5 s) when aborted; with
   * `finishOnAbort` the child is left to finish (a step that would damage the machine if cut short,
   * such as dpkg), and the caller looks at the signal afterwards.
   */
  signal?: AbortSignal;
  finishOnAbort?: boolean;
  /** Milliseconds before the child is killed and the run fails. */
  timeoutMs?: number;
  /** Called with each complete line of stdout and stderr as it arrives (for progress and live logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Do not throw on a non-zero exit; the caller inspects `exitCode`. */
  allowFailure?: boolean;
  /** Keep at most this many bytes of each stream (the tail); default 1 MiB. */
  maxBuffer?: number;
}

export interface RunResult {
  command: string;
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A subprocess failed: carries what ran and what it printed, message short first. */
export class CommandError extends InclusterError {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;

  constructor(result: RunResult, reason?: string, cause?: unknown) {
    const status =
      reason ?? (result.signal ? `killed by ${result.signal}` : `exit status ${result.exitCode}`);
    const tail = lastLines(result.stderr || result.stdout, 15);
    super('INCLUSTER_COMMAND_FAILED', ExitStatus.infrastructure, `\`${result.command}\` failed (${status})`, {
      cause,
      hint: tail ? `its last output:\n${indent(tail)}` : undefined,
    });
    this.command = result.command;
    this.exitCode = result.exitCode;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

/** Runs `file args…` to completion and returns its output; throws CommandError on failure. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const command = commandLine([file, ...args]);
  const maxBuffer = options.maxBuffer ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    const stdio: StdioOptions = [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
    const startedAt = performance.now();
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio,
      detached: ownProcessGroups,
    });
    live.add(child);
    const out = new TailBuffer(maxBuffer);
    const err = new TailBuffer(maxBuffer);
    const outLines = new LineSplitter((line) => options.onLine?.(line, 'stdout'));
    const errLines = new LineSplitter((line) => options.onLine?.(line, 'stderr'));
    let failure: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const kill = (why: string) => {
      if (failure !== undefined) return;
      failure = why;
      signalChild(child, 'SIGTERM');
      killTimer = setTimeout(() => signalChild(child, 'SIGKILL'), 5000);
      killTimer.unref();
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => kill(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = () => kill('aborted');
    const abortable = options.finishOnAbort ? undefined : options.signal;
    if (abortable?.aborted) onAbort();
    abortable?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (options.onLine) outLines.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err.push(chunk);
      if (options.onLine) errLines.push(chunk);
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined); // the child may exit before reading everything
      child.stdin.end(options.input);
    }
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      verboseCommand([file, ...args], error.code === 'ENOENT' ? 'not found' : error.message, startedAt);
      const result: RunResult = {
        command,
        exitCode: -1,
        signal: null,
        stdout: out.text(),
        stderr: err.text(),
      };
      const reason = error.code === 'ENOENT' ? `${file} not found on PATH` : error.message;
      reject(new CommandError(result, reason, error));
    });
    child.on('close', (code, signal) => {
      cleanup();
      verboseCommand([file, ...args], signal ? `killed by ${signal}` : `exit ${code ?? -1}`, startedAt);
      outLines.flush();
      errLines.flush();
      const result: RunResult = {
        command,
        exitCode: code ?? -1,
        signal,
        stdout: out.text(),
        stderr: err.text(),
      };
      if (failure !== undefined) reject(new CommandError(result, failure));
      else if (code !== 0 && !options.allowFailure) reject(new CommandError(result));
      else resolve(result);
    });

    function cleanup() {
      live.delete(child);
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      abortable?.removeEventListener('abort', onAbort);
    }
  });
}

/** Children still running, so the CLI can end them when it has to stop at once. */
const live = new Set<ChildProcess>();
/** Whether children get a process group of their own (the CLI's choice; see startChildrenInOwnGroups). */
let ownProcessGroups = false;

/**
 * From now on, every child runs in a process group (and session) of its own: a terminal's Ctrl-C
 * then reaches only this process, which owns SIGINT/SIGTERM and stops its children itself. Only the
 * CLI calls this; library users (the fixtures in a test worker) keep their children in their group.
 */
export function startChildrenInOwnGroups(): void {
  ownProcessGroups = true;
}

/** Sends `signal` to every child still running (its whole group when it has one); returns how many. */
export function signalLiveChildren(signal: NodeJS.Signals): number {
  for (const child of live) signalChild(child, signal);
  return live.size;
}

/** Resolves once every child has exited, or after `ms`; returns how many are still running. */
export async function liveChildrenExited(ms: number): Promise<number> {
  const exits = [...live].map((child) => new Promise((resolve) => child.once('close', resolve)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(exits), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return live.size;
}

/** Signals the child's process group when it leads one (so its own children stop too), else the child. */
function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (ownProcessGroups) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/** True when `file` can be found on PATH (or is an executable path). */
export async function isOnPath(file: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const candidates = file.includes('/')
    ? [file]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, file));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** `$ kubectl apply -f - → exit 0 (812 ms)` with credentials masked, when --verbose is on. */
function verboseCommand(argv: readonly string[], outcome: string, startedAt: number): void {
  if (!verboseEnabled()) return;
  const ms = Math.round(performance.now() - startedAt);
  verboseLine(`$ ${commandLine(redactArgv(argv, verboseRedactor()))} → ${outcome} (${ms} ms)`);
}

/** Arguments as a person pastes them into a shell: `incluster down --provider local`. */
export function commandLine(args: readonly string[]): string {
  return args.map(quoteForDisplay).join(' ');
}

/** Quotes an argument only when a shell would need it, so error messages can be pasted back. */
function quoteForDisplay(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

/** Keeps the last `limit` bytes written, so a chatty child cannot exhaust memory. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  push(chunk: Buffer) {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    let start = Math.max(0, all.length - this.limit);
    // A cut inside a UTF-8 character starts the tail at the next whole one (continuation bytes are 10xxxxxx).
    if (start > 0) while (start < all.length && (all[start]! & 0xc0) === 0x80) start += 1;
    return all.subarray(start).toString('utf8');
  }
}

/**
 * Splits a byte stream into lines for live output. A pipe cuts the stream anywhere, also inside a
 * multi-byte UTF-8 character: the decoder keeps an unfinished character for the next chunk.
 */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly emit: (line: string) => void;
  constructor(emit: (line: string) => void) {
    this.emit = emit;
  }
  push(chunk: Buffer) {
    const text = this.pending + this.decoder.write(chunk);
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }
  flush() {
    const rest = this.pending + this.decoder.end();
    if (rest) this.emit(rest);
    this.pending = '';
  }
}
