// The CLI as a person runs it: under a real pseudo-terminal (util-linux `script`), in a session of
// its own, with Ctrl-C typed into the terminal. The terminal's line discipline then sends SIGINT to
// its foreground process group, exactly as at a keyboard, and stdout/stderr are a TTY (spinners,
// cursor codes). See /work/shared/notes/terminal-testing.md for why a pipe is not enough.
import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { commandLine } from '../../src/process/exec.ts';

/** ETX: what the terminal receives when Ctrl-C is typed. */
const CTRL_C = '\u0003';
const ESC = String.fromCharCode(0x1b);
/** Cursor and colour codes. */
const TERMINAL_CODES = new RegExp(`${ESC}\\[[0-9;?]*[a-zA-Z]`, 'g');
/** Back to the line's first column (a spinner redraws its line after one of these). */
const LINE_START = new RegExp(`${ESC}\\[1G|\\r(?!$)`);

/** What the terminal shows: each line as last redrawn, without cursor and colour codes. */
export function screen(raw: string): string {
  return raw
    .split('\n')
    .map((line) => (line.split(LINE_START).at(-1) ?? '').replace(TERMINAL_CODES, '').replace(/\r$/, ''))
    .join('\n');
}

/** A command running under a pseudo-terminal. */
export interface TerminalSession {
  /** The `script` process: leads the session, so the whole session can be killed after a test. */
  readonly process: ChildProcess;
  /** Where everything written to the terminal is recorded. */
  readonly logFile: string;
  /** The recorded output as written, with its terminal codes. */
  raw(): Promise<string>;
  /** The recorded output as a person reads it: each line as last redrawn, codes removed. */
  text(): Promise<string>;
  /** Resolves with the first match of `pattern` in text(), watching the log; rejects after `timeoutMs` or an exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Types Ctrl-C into the terminal. */
  ctrlC(): void;
  /** Resolves with the command's exit status once it has ended (from script's record of it). */
  readonly exited: Promise<number | undefined>;
  /** Kills whatever is left of the session (for afterEach). */
  kill(): void;
}

/** Runs `args` (a program and its arguments) under a new pseudo-terminal in `cwd`. */
export async function startInTerminal(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<TerminalSession> {
  const logFile = join(await mkdtemp(join(tmpdir(), 'incluster-tty-')), 'terminal.log');
  // A person's terminal: not CI (spinners start only off CI), a real TERM, colours allowed.
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', ...options.env };
  delete env.CI;
  delete env.NO_COLOR;
  // -q quiet, -f flush after each write (the log is watched live), -e the command's exit status,
  // -c the command. stdin stays a pipe: what is written to it is typed into the terminal.
  const child = spawn('script', ['-qfec', commandLine(args), logFile], {
    cwd: options.cwd,
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  const raw = () => readFile(logFile, 'utf8').catch(() => '');
  const text = async () => screen(await raw());
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exited = ended.then(async () => {
    const code = /\[COMMAND_EXIT_CODE="(\d+)"\]/.exec(await raw())?.[1];
    return code === undefined ? undefined : Number(code);
  });
  const waitFor = (pattern: RegExp, timeoutMs = 240_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      let settled = false;
      // The directory, not the file: `script` may not have created the file yet.
      const watcher = watch(dirname(logFile), () => void check());
      const timer = setTimeout(
        () =>
          void text().then((t) =>
            finish(new Error(`no ${pattern} in the terminal within ${timeoutMs} ms:\n${t}`)),
          ),
        timeoutMs,
      );
      const finish = (result: RegExpMatchArray | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        watcher.close();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const check = async () => {
        const match = (await text()).match(pattern);
        if (match) finish(match);
      };
      void ended.then(async () => {
        await check();
        finish(new Error(`the command ended before printing ${pattern}:\n${await text()}`));
      });
      void check();
    });
  return {
    process: child,
    logFile,
    raw,
    text,
    waitFor,
    ctrlC: () => child.stdin?.write(CTRL_C),
    exited,
    kill: () => {
      try {
        if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}
