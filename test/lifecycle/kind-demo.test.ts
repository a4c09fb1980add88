// `make demo` on kind, as a user on a machine that cannot pull runs it: INCLUSTER_PROVIDER=kind with
// the offline path (INCLUSTER_KIND_OFFLINE=always, docs/kind-offline.md). The research cluster
// (testing/k8s/kind-config.yaml) comes up on incluster's own Docker engine with PostgreSQL built on
// this machine and loaded onto the node; both example suites (Vitest and pytest) are built in that
// engine, loaded with `kind load` and pass inside the cluster; each example's spec gate passes. The
// checkout's tracked files stay as they were. Opt-in (INCLUSTER_KIND_OFFLINE_E2E=1, as root);
// about 5 minutes with the node image and the base images cached:
//   INCLUSTER_KIND_OFFLINE_E2E=1 npx vitest run --project lifecycle test/lifecycle/kind-demo.test.ts
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { cacheRoot } from '../../src/cluster/cache.ts';
import { kindEnginePaths, kindEnginePid } from '../../src/cluster/providers/kind/host/engine.ts';
import { offlineMarkerPath } from '../../src/cluster/providers/kind/offline.ts';

const enabled = process.env.INCLUSTER_KIND_OFFLINE_E2E === '1';
const run = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;
const env = { ...process.env, INCLUSTER_PROVIDER: 'kind', INCLUSTER_KIND_OFFLINE: 'always' };
const down = () =>
  run(process.execPath, ['src/cli/main.ts', 'down', '--provider', 'kind'], {
    cwd: repo,
    env,
    timeout: 300_000,
  });
const trackedChanges = async () =>
  (await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo })).stdout;

afterAll(async () => {
  if (enabled) await down().catch(() => undefined);
}, 300_000);

describe.skipIf(!enabled)('make demo with INCLUSTER_PROVIDER=kind (offline)', () => {
  test(
    'brings up the research cluster, and both example suites pass inside it',
    // `make demo` runs the Python example beside the TypeScript one (FR-115).
    { tags: ['001-FR-104', '001-FR-100', '001-FR-115'], timeout: 1_800_000 },
    async () => {
      await down();
      const before = await trackedChanges();
      const demo = await run('make', ['--no-print-directory', 'demo'], {
        cwd: repo,
        env,
        timeout: 1_500_000,
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
        throw new Error(`make demo exited ${error.code}:\n${error.stderr ?? ''}\n${error.stdout ?? ''}`);
      });
      const explain = `${demo.stderr}\n${demo.stdout}`;
      expect(demo.stderr, explain).toContain('provider: kind');
      expect(demo.stderr, explain).toMatch(/kind: create cluster|reusing the running kind cluster/);
      // One run report line per example, then each example's gate.
      const passed = demo.stdout.split('\n').filter((line) => line.startsWith('PASSED: '));
      expect(passed, explain).toHaveLength(2);
      expect(demo.stdout, explain).toContain('== examples/todo-service ==');
      expect(demo.stdout, explain).toContain('== examples/orders-py ==');
      // The pytest suite's own run, in its own section, with its tests.
      const python = demo.stdout.split('== examples/orders-py ==')[1] ?? '';
      expect(python, explain).toMatch(/^PASSED: (\d+) tests passed/m);
      expect(Number(/^PASSED: (\d+) tests passed/m.exec(python)?.[1])).toBeGreaterThanOrEqual(17);
      expect(demo.stdout, explain).not.toMatch(/^(FAILED|INFRASTRUCTURE|INTERRUPTED)/m);
      expect(await trackedChanges()).toBe(before);
    },
  );

  test(
    'down from the repository’s root removes the cluster and incluster’s engine',
    { tags: ['001-FR-103'] },
    async () => {
      const { stderr } = await down();
      expect(stderr).toContain('kind: delete cluster floe-test');
      expect(existsSync(offlineMarkerPath('floe-test'))).toBe(false);
      expect(await kindEnginePid(kindEnginePaths(cacheRoot(process.env)))).toBeUndefined();
    },
  );
});
