// Runs the incluster CLI in-process, as main.ts would, and captures what it printed: the unit tests'
// way to check a command's exit status and output without spawning Node.
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.ts';

/** What a CLI run returned and printed. */
export interface CliResult {
  status: number;
  out: string;
  err: string;
}

/** Runs `incluster …args` in `cwd` with `env` (default: this process's). */
export async function runCliCaptured(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const status = await runCli(args, {
    stdout,
    stderr,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    signal: new AbortController().signal,
  });
  return { status, out, err };
}
