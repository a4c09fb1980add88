// A project scaffolded by `incluster init` works end to end, the way a user gets there: a fresh
// repository installs incluster and Vitest, runs `npx incluster init`, adds a unit test, and then
// its unit tests pass on the host, its integration test passes inside the shared local cluster via
// `npx incluster run` (JUnit, report and requirement evidence copied out), and `incluster trace`
// passes its gate.
//
// How the project gets incluster: from a package registry, like any dependency. incluster is not
// published, so this test builds the package from src/ and `npm pack`s it, then serves the tarball
// over HTTP on 127.0.0.1 for the length of the test and installs it by that URL. The project's
// package-lock.json then resolves incluster the same way on the host and inside the runner image's
// `npm ci` (the image is built with --network=host), as a registry dependency would be; a `file:`
// dependency would not do, because the image's dependency stage copies only package.json and the
// lockfile. The generated vitest.config.ts imports incluster/trace, so the runner image needs it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { explain, expectSuccess, packIncluster, repoRoot, sh as run } from '../../support/scratch-project.ts';
import { createKubeClient } from '../../../src/kube/client.ts';
import { deleted } from '../../../src/kube/conditions.ts';
import { waitFor } from '../../../src/kube/wait.ts';
import { RUNNER_NAME } from '../../../src/runner/job.ts';
import type { RunReport } from '../../../src/runner/report.ts';

/** A fixed port keeps the project's lockfile, and so its runner image, the same from run to run
 * while incluster's package is unchanged (Docker's layer cache then skips `npm ci`); any free port
 * does when it is taken. */
const PREFERRED_PORT = 47_361;

const work = { dir: '', project: '' };
let server: Server | undefined;
/** Set by each step, so a later step fails saying which earlier one it needed. */
const done = { install: false, init: false, unit: false, run: false };
let runReport: RunReport | undefined;

/** Runs a command in the project (or `cwd`); never throws, so the assertion can show its output. */
function sh(file: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  return run(file, args, { cwd: options.cwd ?? work.project, timeoutMs: options.timeoutMs });
}

function npm(args: string[], options: { cwd?: string; timeoutMs?: number } = {}) {
  return sh('npm', args, options);
}

/** Serves `file` at `/<name>-<sha>.tgz` on 127.0.0.1; resolves with its URL. */
async function serveTarball(file: string): Promise<string> {
  const data = await readFile(file);
  const sha = createHash('sha256').update(data).digest('hex').slice(0, 16);
  const path = `/incluster-${sha}.tgz`;
  const http = createServer((request, response) => {
    if (request.url !== path) {
      response.writeHead(404).end();
      return;
    }
    // The URL changes with the content; no-store keeps npm from caching it under the old one anyway.
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': data.length,
      'cache-control': 'no-store',
    });
    response.end(data);
  });
  server = http;
  const port = await new Promise<number>((resolvePort, reject) => {
    const listen = (port: number) =>
      http.listen(port, '127.0.0.1', () => {
        const address = http.address();
        resolvePort(typeof address === 'object' && address ? address.port : port);
      });
    http.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error);
      http.once('error', reject);
      listen(0);
    });
    listen(PREFERRED_PORT);
  });
  return `http://127.0.0.1:${port}${path}`;
}

beforeAll(async () => {
  work.dir = await mkdtemp(join(tmpdir(), 'incluster-init-run-'));
  work.project = join(work.dir, 'my-service');
  await mkdir(work.project);
  expectSuccess(await sh('git', ['init', '--quiet']));
  // Deterministic (no `npm init` defaults from the machine), so the lockfile is too.
  await writeFile(
    join(work.project, 'package.json'),
    `${JSON.stringify({ name: 'my-service', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const url = await serveTarball(await packIncluster(work.dir));
  const { devDependencies } = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const install = await npm([
    'install',
    '--save-dev',
    '--no-audit',
    '--no-fund',
    url,
    `vitest@${devDependencies.vitest}`,
  ]);
  expectSuccess(install);
  expect(existsSync(join(work.project, 'package-lock.json')), 'npm install wrote no package-lock.json').toBe(
    true,
  );
  done.install = true;
}, 600_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolveClose) => (server ? server.close(() => resolveClose()) : resolveClose()));
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

describe('a project scaffolded by incluster init, end to end', { tags: ['001-FR-042'] }, () => {
  test('`npx incluster init` scaffolds into the fresh repository', async () => {
    expect(done.install, 'installing incluster into the project failed (see beforeAll)').toBe(true);
    const init = await sh('npx', ['incluster', 'init']);
    expectSuccess(init);
    for (const path of ['incluster.config.yaml', 'vitest.config.ts', 'testing/Dockerfile', 'Makefile'])
      expect(init.stdout, explain(init)).toMatch(new RegExp(`^created\\s+${path}$`, 'm'));
    expect(init.stdout, explain(init)).toMatch(/^Next command: npx incluster up$/m);
    // What the generated workflow reads from the repository is there (setup-node fails without it).
    const workflow = await readFile(join(work.project, '.github/workflows/ci.yml'), 'utf8');
    const read = [...workflow.matchAll(/(?:node-version-file|config): (\S+)/g)].map((m) => m[1]!);
    expect(read).toContain('.nvmrc');
    for (const path of read) expect(existsSync(join(work.project, path)), path).toBe(true);
    // init names the cluster and namespace after the project (my-service); this test runs in the
    // suite's shared cluster instead, as a user with an existing cluster would configure.
    const configFile = join(work.project, 'incluster.config.yaml');
    expect(await readFile(configFile, 'utf8')).toMatch(/^ {2}name: my-service$/m);
    await writeFile(
      configFile,
      (await readFile(configFile, 'utf8'))
        .replace(/^ {2}name: my-service$/m, '  name: floe-test')
        .replace(/^namespace: my-service$/m, 'namespace: floe-test'),
    );
    // The user's own first unit test, of a requirement they add to the spec template.
    await writeFile(
      join(work.project, 'specs/001-example/spec.md'),
      `${await readFile(join(work.project, 'specs/001-example/spec.md'), 'utf8')}- **001-FR-002** A greeting names the person greeted.\n`,
    );
    await mkdir(join(work.project, 'src'));
    await writeFile(
      join(work.project, 'src/greeting.ts'),
      'export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n',
    );
    await mkdir(join(work.project, 'test/unit'), { recursive: true });
    await writeFile(
      join(work.project, 'test/unit/greeting.test.ts'),
      [
        "import { expect, test } from 'vitest';",
        "import { greet } from '../../src/greeting.ts';",
        '',
        "test('greets by name', { tags: ['001-FR-002'] }, () => {",
        "  expect(greet('Ada')).toBe('Hello, Ada!');",
        '});',
        '',
      ].join('\n'),
    );
    done.init = true;
  });

  test(
    'its unit tests pass on the host (`make test-unit`), without the integration tests',
    { tags: ['001-FR-040'] },
    async () => {
      expect(done.init, 'init failed above').toBe(true);
      const unit = await sh('make', ['--no-print-directory', 'test-unit'], { timeoutMs: 120_000 });
      expectSuccess(unit);
      expect(unit.stdout, explain(unit)).toContain('test/unit/greeting.test.ts');
      // The example integration test needs the cluster's DNS: it must not run here.
      expect(unit.stdout, explain(unit)).not.toContain('example.test.ts');
      const evidence = JSON.parse(
        await readFile(join(work.project, 'test-results/traceability.json'), 'utf8'),
      ) as { tests: { ids: string[]; outcome: string }[] };
      expect(evidence.tests).toEqual([expect.objectContaining({ ids: ['001-FR-002'], outcome: 'passed' })]);
      done.unit = true;
    },
  );

  test(
    'its integration tests pass inside the local cluster via `npx incluster run`, with JUnit and requirement evidence copied out',
    { tags: ['001-FR-010', '001-FR-014', '001-FR-019'], timeout: 600_000 },
    async () => {
      expect(done.init, 'init failed above').toBe(true);
      const run = await sh(
        'npx',
        ['incluster', 'run', '--provider', 'local', '--json', '--', 'test/integration'],
        {
          timeoutMs: 540_000,
        },
      );
      expectSuccess(run);
      const report = JSON.parse(run.stdout) as RunReport;
      runReport = report;
      expect(report, explain(run)).toMatchObject({ outcome: 'passed', exitStatus: 0 });
      expect(report.tests, explain(run)).toMatchObject({ tests: 1, failures: 0, errors: 0 });
      expect(report.image?.reference).toMatch(/^incluster-runner:[0-9a-f]{16}$/);

      const dir = join(work.project, 'test-results', report.runId);
      expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))).toMatchObject({
        runId: report.runId,
        outcome: 'passed',
      });
      const junit = await readFile(join(dir, 'junit.xml'), 'utf8');
      expect(junit).toContain('PostgreSQL resolves through cluster DNS and accepts connections');
      expect(junit).toContain('<property name="requirements" value="001-FR-001"/>');
      // The evidence the tests wrote in the pod, and the run report's summary of it.
      expect(existsSync(join(dir, 'shard-0/traceability.json')), explain(run)).toBe(true);
      expect(report.traceability?.requirements).toEqual({
        passed: ['001-FR-001'],
        failed: [],
        unverified: [],
      });
      done.run = true;
    },
  );

  test('the run left nothing behind in the cluster', async () => {
    expect(runReport, 'the run failed above').toBeDefined();
    const client = createKubeClient({ kubeconfig: process.env.KUBECONFIG });
    // The run deletes its namespace in the background: wait for it to be gone.
    await waitFor(deleted(client, 'Namespace', undefined, runReport!.namespace), { timeout: 90_000 });
    const roles = await client.rbac.listNamespacedRole({ namespace: 'floe-test' });
    expect(roles.items.map((r) => r.metadata?.name)).not.toContain(`${RUNNER_NAME}-${runReport!.runId}`);
  });

  test(
    '`incluster trace` passes its gate, statically and with the evidence of both runs',
    { tags: ['001-FR-035', '001-FR-037'] },
    async () => {
      expect(done.unit && done.run, 'the unit or the in-cluster run failed above').toBe(true);
      const gate = await sh('make', ['--no-print-directory', 'traceability'], { timeoutMs: 120_000 });
      expectSuccess(gate);
      expect(gate.stdout, explain(gate)).toContain('001-FR-001');
      expect(gate.stdout, explain(gate)).toContain('001-FR-002');
      const passing = await sh(
        'npx',
        [
          'incluster',
          'trace',
          '--require-passing',
          'test-results/traceability.json',
          '--require-passing',
          `test-results/${runReport!.runId}/shard-0/traceability.json`,
        ],
        { timeoutMs: 120_000 },
      );
      expectSuccess(passing);
    },
  );

  test(
    'the packed incluster computes the same image cache keys as its sources, so neither rebuilds the other’s images',
    { tags: ['001-FR-150'] },
    async () => {
      expect(done.install, 'installing incluster into the project failed (see beforeAll)').toBe(true);
      // Read-only: --dry-run lists what prune would remove and the key of every image it keeps.
      const packed = await sh('npx', ['incluster', 'cache', 'prune', '--dry-run', '--json']);
      expectSuccess(packed);
      const sources = await sh(process.execPath, [
        join(repoRoot, 'src/cli/main.ts'),
        'cache',
        'prune',
        '--dry-run',
        '--json',
      ]);
      expectSuccess(sources);
      const keys = (result: { stdout: string }) =>
        (JSON.parse(result.stdout) as { current: { image: string; key: string }[] }).current.map(
          ({ image, key }) => `${image} ${key}`,
        );
      expect(keys(packed).length, explain(packed)).toBeGreaterThan(10);
      expect(keys(packed)).toEqual(keys(sources));
    },
  );
});
