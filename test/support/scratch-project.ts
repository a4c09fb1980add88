// What the tests that try incluster as a user would need: a user's shell environment, commands that
// never throw (so the assertion shows their output), and incluster packed as npm would publish it.
import { copySourceFiles } from '../../scripts/copy-source-files.ts';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { runCommand, type RunResult } from '../../src/process/exec.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * The environment a user's shell would have: none of the outer Vitest's, make's or npm's variables
 * (a nested Vitest or npm reads them as its own settings).
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(VITEST|npm_|MAKE|MFLAGS$|NODE_ENV$|TEST$|INIT_CWD$)/.test(key)) env[key] = value;
  // Plain text, so the assertions (and their messages) read the output as a person would.
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

/** Runs a command in `cwd`; never throws, so the assertion can show its output. */
export async function sh(
  file: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return runCommand(file, args, {
    cwd: options.cwd,
    env: options.env ?? userEnv(),
    timeoutMs: options.timeoutMs ?? 300_000,
    allowFailure: true,
    maxBuffer: 4 * 1024 * 1024,
  }).catch((error: unknown) => {
    // Only a timeout or a missing executable gets here: keep its output for the message.
    const failure = error as Partial<RunResult> & Error;
    return {
      command: `${file} ${args.join(' ')}`,
      exitCode: -1,
      signal: null,
      stdout: failure.stdout ?? '',
      stderr: `${failure.stderr ?? ''}\n${failure.message}`,
    } satisfies RunResult;
  });
}

/** The command, its exit status and the tail of its output: what a failed step needs to show. */
export function explain(result: RunResult): string {
  const tail = (text: string) => text.trimEnd().split('\n').slice(-40).join('\n');
  return `\`${result.command}\` exited ${result.exitCode}\n--- stderr (tail) ---\n${tail(result.stderr)}\n--- stdout (tail) ---\n${tail(result.stdout)}`;
}

export function expectSuccess(result: RunResult): void {
  expect(result.exitCode, explain(result)).toBe(0);
}

/** Builds incluster from src/ into a staging copy of the package under `workDir` and packs it; returns the tarball. */
export async function packIncluster(workDir: string): Promise<string> {
  const pkg = join(workDir, 'package');
  const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
  await mkdir(pkg, { recursive: true });
  await cp(join(repoRoot, 'package.json'), join(pkg, 'package.json'));
  await cp(join(repoRoot, 'README.md'), join(pkg, 'README.md'));
  for (const entry of manifest.files.filter((f) => f !== 'dist'))
    await cp(join(repoRoot, entry), join(pkg, entry), {
      recursive: true,
      // What the package's .gitignore files keep out of `npm pack` (the plugin's bytecode).
      filter: (path) => !/(^|\/)__pycache__(\/|$)/.test(path),
    });
  // Into the staging copy, not the shared checkout's dist/, which others may be building. Without
  // source maps, whose paths name the temporary directory: the same sources pack the same tarball.
  expectSuccess(
    await sh(
      join(repoRoot, 'node_modules/.bin/tsc'),
      ['-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist'), '--sourceMap', 'false'],
      { cwd: repoRoot },
    ),
  );
  // The build's second step (package.json's build script): the files of other languages that the
  // compiled modules read beside themselves.
  copySourceFiles(join(repoRoot, 'src'), join(pkg, 'dist'));
  // dist/ is built above; the staging copy has no tsconfig for the package's own prepack build
  // (pack-adopt.test.ts packs a clean clone with it).
  const packed = await sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], {
    cwd: pkg,
  });
  expectSuccess(packed);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  return join(workDir, filename);
}

/**
 * Serves `file` over HTTP on 127.0.0.1, as a registry serves a tarball, so a scratch project installs
 * incluster by URL on the host and inside the runner image's install (built with --network=host) alike.
 * Resolves with its URL and a function that stops the server.
 */
export async function serveTarball(file: string): Promise<{ url: string; close: () => Promise<void> }> {
  const data = await readFile(file);
  const path = `/incluster-${createHash('sha256').update(data).digest('hex').slice(0, 16)}.tgz`;
  const server = createServer((request, response) => {
    if (request.url !== path) return void response.writeHead(404).end();
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': data.length,
      'cache-control': 'no-store',
    });
    response.end(data);
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
