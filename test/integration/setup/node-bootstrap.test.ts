// The project's set-up brings its own Node.js where the system's is too old: scripts/env.sh,
// sourced by every make target and by .ci/run, installs the pinned Node 24 from the npm registry.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');
const pinned = readFileSync(join(repo, '.nvmrc'), 'utf8').trim();
const systemNode = ['/usr/bin/node', '/bin/node'].find((path) => existsSync(path));

/** Runs `script` in bash after sourcing env.sh, with only the system directories on PATH. */
async function withEnvSh(script: string, cache: string) {
  return run('bash', ['-c', `. scripts/env.sh && ${script}`], {
    cwd: repo,
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      INCLUSTER_CACHE_DIR: cache,
    },
    timeout: 180_000,
  });
}

describe('set-up: a supported Node.js without installing anything by hand', { tags: ['001-FR-046'] }, () => {
  test.skipIf(!systemNode)(
    'with the system Node older than 22.19, env.sh installs the pinned Node 24 and puts it first',
    async () => {
      const { stdout: systemVersion } = await run(systemNode!, ['--version']);
      // The machine this runs on must really have an old system Node for the test to prove anything.
      expect(Number(/^v(\d+)/.exec(systemVersion)![1])).toBeLessThan(22);
      const cache = await mkdtemp(join(tmpdir(), 'incluster-node-'));
      try {
        const first = await withEnvSh('node --version', cache);
        expect(first.stdout.trim()).toBe(`v${pinned}`);
        expect(first.stderr).toContain(`installing Node ${pinned}`);
        // A second shell reuses the cached copy: nothing is installed again.
        const second = await withEnvSh('node --version && command -v node', cache);
        expect(second.stdout).toContain(`v${pinned}`);
        expect(second.stdout).toContain(join(cache, 'node', `v${pinned}`));
        expect(second.stderr).not.toContain('installing');
      } finally {
        await rm(cache, { recursive: true, force: true });
      }
    },
    240_000,
  );

  test.skipIf(!systemNode)(
    'the built CLI, started by the system’s older Node.js, names both versions instead of a link error',
    { tags: ['001-FR-071'], timeout: 240_000 },
    async () => {
      // What a user's `npx incluster` runs: the package's JavaScript, built as `npm pack` builds it,
      // beside its package.json (where the CLI reads the Node.js it needs).
      const out = await mkdtemp(join(tmpdir(), 'incluster-dist-'));
      try {
        await copyFile(join(repo, 'package.json'), join(out, 'package.json'));
        await run(
          process.execPath,
          [
            join(repo, 'node_modules/typescript/bin/tsc'),
            '-p',
            'tsconfig.build.json',
            '--outDir',
            join(out, 'dist'),
          ],
          {
            cwd: repo,
            timeout: 180_000,
          },
        );
        const started = await run(systemNode!, [join(out, 'dist/cli/main.js'), '--version'], {
          cwd: repo,
          env: { PATH: '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
        }).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => error,
        );
        expect(started.code).toBe(3);
        expect(started.stderr).toMatch(/needs Node\.js 22\.19\.0 or newer .* but this is Node\.js 20\./);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
  );

  test('the pinned version satisfies the engines field', () => {
    const engines = (
      JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toBe('>=22.19');
    const [major, minor] = pinned.split('.').map(Number);
    expect(major! > 22 || (major === 22 && minor! >= 19)).toBe(true);
  });
});
