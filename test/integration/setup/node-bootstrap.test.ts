// The project's set-up brings its own Node.js where the system's is too old: scripts/env.sh,
// sourced by every make target and by .ci/run, installs the pinned Node 24 from the npm registry.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
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

  test('the pinned version satisfies the engines field', () => {
    const engines = (
      JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toBe('>=22.19');
    const [major, minor] = pinned.split('.').map(Number);
    expect(major! > 22 || (major === 22 && minor! >= 19)).toBe(true);
  });
});
