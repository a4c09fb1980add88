// What a command may touch of the outside world, passed in so every command can be run in-process
// by tests: data to stdout, messages and progress to stderr, never process.exit.
import type { Writable } from 'node:stream';
import type { Interrupts } from '../interrupt/interrupts.ts';

export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM, so long commands can clean up and return. */
  signal: AbortSignal;
  /** How an interrupt stops the command, and what it holds outside the process (main.ts's). */
  interrupts?: Interrupts;
}

/** Writes one line to a stream. */
export function println(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}
