// Scale out on Kubernetes itself: the multi-node kind config (a control plane and two workers,
// testing/k8s/kind-config-multinode.yaml) brought up offline on incluster's own Docker engine, and
// `incluster run --shards 3` of a small suite whose pods the cluster's scheduler spreads over the
// three nodes (topology spread on the Indexed Job). The report must name three different nodes,
// the JUnit of all three shards must be merged, and `down` must remove the cluster and the engine.
// The cluster is made in `auto` mode where a Docker engine answers: the fallback from the published
// node image, which cannot be pulled here, to the offline one is exercised with the real kind.
// Opt-in like kind-offline.test.ts (INCLUSTER_KIND_OFFLINE_E2E=1, as root); about 3 minutes with
// the node image cached:
//   INCLUSTER_KIND_OFFLINE_E2E=1 npx vitest run --project lifecycle test/lifecycle/kind-shards.test.ts
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { kindBinDir, offlineMarkerPath } from '../../src/cluster/providers/kind/offline.ts';
import { kindEnginePaths, kindEnginePid } from '../../src/cluster/providers/kind/host/engine.ts';
import { cacheRoot } from '../../src/cluster/cache.ts';
import type { RunReport } from '../../src/runner/report.ts';

const enabled = process.env.INCLUSTER_KIND_OFFLINE_E2E === '1';
const run = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;
const clusterName = 'incluster-shards';
// `auto`, as a user who installed kind has it: the published node image is tried first, on the
// Docker engine that answers (the local cluster's, in CI), cannot be pulled on a machine like ours,
// and the offline path takes over. With no engine to try it on, the test asks for offline directly.
const engineAnswers = await run('docker', ['info', '--format', '{{.ServerVersion}}'], {
  timeout: 10_000,
}).then(
  () => true,
  () => false,
);
const offline = engineAnswers ? 'auto' : 'always';
const env = {
  ...process.env,
  PATH: `${kindBinDir(cacheRoot(process.env))}:${process.env.PATH}`,
};
const project = mkdtempSync(join(tmpdir(), 'incluster-kind-shards-'));
// The runner fixture suite (no dependencies, six named cases, honours --shard=i/n), as a project.
cpSync(join(repo, 'test/fixtures/runner/suite'), join(project, 'suite'), { recursive: true });
const configFile = join(project, 'incluster.config.yaml');
writeFileSync(
  configFile,
  `cluster:
  name: ${clusterName}
  provider: kind
  kind:
    config: ${join(repo, 'testing/k8s/kind-config-multinode.yaml')}
    offline: ${offline}
services:
  manifests: []
runner:
  dockerfile: ${join(repo, 'testing/Dockerfile')}
  context: ${join(project, 'suite')}
  image: incluster-shards-fixture
  command: [sh, -c, 'node run-tests.mjs "$@"; exit $?', run-tests]
  timeout: 5m
  resources:
    requests: { cpu: 50m, memory: 64Mi }
    limits: { cpu: '1', memory: 128Mi }
`,
);
const cli = (...args: string[]) =>
  run(process.execPath, [join(repo, 'src/cli/main.ts'), ...args, '--config', configFile], {
    cwd: project,
    env,
    timeout: 1_200_000,
    maxBuffer: 64 * 1024 * 1024,
  });
afterAll(async () => {
  if (enabled) await cli('down').catch(() => undefined);
  rmSync(project, { recursive: true, force: true });
}, 300_000);

describe.skipIf(!enabled)('kind offline, three nodes: a sharded run spreads over them', () => {
  test(
    'run --shards 3 lands one shard on each node, merges their JUnit and names the node per shard',
    // On a cold machine this up builds the node image first (10 minutes and more on 2 cores).
    { tags: ['001-FR-105', '001-FR-104', '001-FR-016', '001-FR-100', '001-FR-155'], timeout: 1_800_000 },
    async () => {
      await cli('down');
      const up = await cli('up', '--no-services');
      expect(up.stdout.trim()).toBe(join(project, '.incluster', `kind-${clusterName}.kubeconfig`));
      if (offline === 'auto')
        expect(up.stderr).toMatch(
          /the node image kindest\/node:\S+ cannot be pulled; using the offline node image/,
        );
      const result = await cli('run', '--shards', '3', '--json', '--', '--mode=pass').catch(
        (error: { stdout?: string; stderr?: string }) => {
          throw new Error(`run failed:\n${error.stderr ?? ''}\n${error.stdout ?? ''}`);
        },
      );
      const report = JSON.parse(result.stdout) as RunReport;
      const explain = `${result.stderr}\n${JSON.stringify(report.shards, null, 2)}`;
      expect(report.outcome, explain).toBe('passed');
      expect(report.tests?.tests, explain).toBe(6);
      expect(report.shards.map((shard) => shard.state)).toEqual(['ended', 'ended', 'ended']);
      const nodes = report.shards.map((shard) => shard.node);
      expect(new Set(nodes).size, explain).toBe(3);
      expect([...nodes].sort()).toEqual([
        `${clusterName}-control-plane`,
        `${clusterName}-worker`,
        `${clusterName}-worker2`,
      ]);
    },
  );

  test(
    'down deletes the three-node cluster and stops incluster’s engine',
    { tags: ['001-FR-103'] },
    async () => {
      await cli('down');
      expect(existsSync(offlineMarkerPath(clusterName))).toBe(false);
      expect(await kindEnginePid(kindEnginePaths(cacheRoot(process.env)))).toBeUndefined();
    },
  );
});
