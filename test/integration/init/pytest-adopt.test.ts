// A Python team adopts incluster the way a real one would, and uses everything its pytest plugin
// offers. The project (test/fixtures/pytest-project) is a uv project with a src/ layout, its own
// conftest.py and tests under tests/, in a git repository on a feature branch; its uv.lock is made
// here by `uv lock`. It installs incluster from the packed npm tarball, runs `npx incluster init`
// (uv detected), makes the edits a team would (the config: test/fixtures/pytest-project-edits.yaml,
// the suite's shared cluster, Redis, per-run services, RBAC for the namespaces its tests make; the
// runner Dockerfile: helm and kubectl copied from an image, see TOOLS_IMAGE), then `up` (the running local cluster reused) and `run --shards 2 -- -n 2`:
// every fixture of the plugin is used by its tests at least once, in two pods of two xdist workers,
// and everything passes. One broken assertion then fails the run (exit 1) with that failure in the
// run's JUnit; that second run has only a source changed, so its pods run the first run's image.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { cacheRoot } from '../../../src/cluster/cache.ts';
import { dockerEngineFor } from '../../../src/cluster/host/dockerd.ts';
import { kubernetesBinDir } from '../../../src/cluster/host/kubernetes.ts';
import { HELM_VERSION, KUBERNETES_VERSION } from '../../../src/cluster/versions.ts';
import type { RunReport } from '../../../src/runner/report.ts';
import { ensureHelm } from '../../../src/services/helm.ts';
import {
  explain,
  expectSuccess,
  packIncluster,
  repoRoot,
  sh as run,
  userEnv,
} from '../../support/scratch-project.ts';
import { uvBinDir } from '../../support/uv.ts';

const FIXTURES = join(repoRoot, 'test/fixtures');
const PLUGIN_SOURCES = join(repoRoot, 'python/pytest-incluster/src/pytest_incluster');
/** The test of the project that the broken-assertion run breaks, and how. */
const TO_BREAK = {
  file: 'tests/integration/test_data.py',
  from: 'assert inventory.held(redis_client, order) == ("apple", 2)',
  to: 'assert inventory.held(redis_client, order) == ("apple", 3)',
};

/**
 * helm (the helm_release fixture) and kubectl (kustomize overlays) for the tests in the pod, which the
 * runner image has neither of: a team copies them from a published image; here that image is built
 * on this machine from the helm and kubectl incluster builds, since no registry can be reached.
 */
const TOOLS_IMAGE = `incluster.test/k8s-tools:helm-${HELM_VERSION}-kubectl-${KUBERNETES_VERSION}`;
const TOOLS_LAYER = [
  '# helm and kubectl for the cluster tests (helm_release, kustomize overlays).',
  `COPY --from=${TOOLS_IMAGE} /helm /kubectl /usr/local/bin/`,
  '',
].join('\n');
const engine = dockerEngineFor(process.env);

const work = { dir: '', project: '', env: {} as NodeJS.ProcessEnv };
const done = { install: false, init: false, up: false, run: false };

function sh(file: string, args: string[], timeoutMs?: number) {
  return run(file, args, { cwd: work.project, env: work.env, timeoutMs });
}

/** `npx incluster run --shards 2 --json -- -n 2`, and its report. */
async function runSuite() {
  const result = await sh('npx', ['incluster', 'run', '--shards', '2', '--json', '--', '-n', '2'], 840_000);
  let report: RunReport | undefined;
  try {
    report = JSON.parse(result.stdout) as RunReport;
  } catch {
    // no report: the assertion on the exit status shows the output
  }
  return { result, report };
}

/** The python files of a directory tree, their text joined (paths relative to it). */
async function pythonText(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.py'))
    .map((e) => join(e.parentPath, e.name));
  return (await Promise.all(files.map((file) => readFile(file, 'utf8')))).join('\n');
}

/** The name of every fixture the plugin defines (`@pytest.fixture` then `def name`). */
async function pluginFixtures(): Promise<string[]> {
  const text = await pythonText(PLUGIN_SOURCES);
  return [...text.matchAll(/^@pytest\.fixture\b[^\n]*\n(?:@[^\n]*\n)*def (\w+)\(/gm)].map((m) => m[1]!);
}

/** Sets each leaf of `edits` (arrays and scalars) over the YAML document, keeping its comments. */
function applyEdits(text: string, edits: Record<string, unknown>): string {
  const doc = parseDocument(text);
  const visit = (value: unknown, path: string[]) => {
    if (value && typeof value === 'object' && !Array.isArray(value))
      for (const [key, inner] of Object.entries(value)) visit(inner, [...path, key]);
    else doc.setIn(path, value);
  };
  visit(edits, []);
  return doc.toString();
}

/** TOOLS_IMAGE in the engine the runner image is built in: helm and kubectl, nothing else. */
async function buildToolsImage(): Promise<void> {
  const context = join(work.dir, 'k8s-tools');
  await mkdir(context);
  await cp(await ensureHelm({ status: { phase: (_name, step) => step() } }), join(context, 'helm'));
  await cp(join(kubernetesBinDir(cacheRoot()), 'kubectl'), join(context, 'kubectl'));
  await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY helm kubectl /\n');
  const build = await run('docker', ['build', '--quiet', '--tag', TOOLS_IMAGE, context], {
    cwd: context,
    env: { ...engine.env, DOCKER_BUILDKIT: '0' },
  });
  expectSuccess(build);
}

beforeAll(async () => {
  work.dir = await mkdtemp(join(tmpdir(), 'incluster-pytest-adopt-'));
  work.project = join(work.dir, 'inventory');
  await cp(join(FIXTURES, 'pytest-project'), work.project, {
    recursive: true,
    filter: (path) => !/(^|\/)(__pycache__|\.venv|node_modules)(\/|$)/.test(path),
  });
  work.env = userEnv({ PATH: `${await uvBinDir()}:${process.env.PATH ?? ''}` });
  // A repository with history, on the branch of the change that brings incluster in.
  const git = (args: string[]) =>
    sh('git', ['-c', 'user.name=Inventory Team', '-c', 'user.email=team@inventory.invalid', ...args]);
  expectSuccess(await git(['init', '--quiet', '--initial-branch=main']));
  expectSuccess(await sh('uv', ['lock', '--quiet'], 180_000));
  expectSuccess(await git(['add', '--all']));
  expectSuccess(await git(['commit', '--quiet', '--message', 'Inventory: stock levels and holds']));
  expectSuccess(await git(['switch', '--quiet', '--create', 'feature/cluster-tests']));
  // helm is built once per machine (from the Go module proxy) the first time anything needs it: meanwhile.
  const [tarball] = await Promise.all([packIncluster(work.dir), buildToolsImage()]);
  expectSuccess(await sh('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball], 300_000));
  done.install = true;
}, 900_000);

afterAll(async () => {
  await run('docker', ['rmi', '--force', TOOLS_IMAGE], { cwd: repoRoot, env: engine.env });
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

describe(
  'a uv project with a src/ layout tries incluster from the packed tarball',
  { tags: ['001-FR-173'] },
  () => {
    test("the project's tests and conftest use every fixture of the plugin", async () => {
      const fixtures = await pluginFixtures();
      expect(fixtures.length, 'no fixture found in the plugin: the pattern is out of date').toBeGreaterThan(
        15,
      );
      const used = await pythonText(join(FIXTURES, 'pytest-project/tests'));
      // The autouse fixture behind the `apply_manifests` marker is used through the marker.
      const unused = fixtures.filter((name) =>
        name === '_incluster_apply_manifests'
          ? !used.includes('@pytest.mark.apply_manifests(')
          : !new RegExp(`\\b${name}\\b`).test(used),
      );
      expect(unused, 'fixtures of the plugin no test of the project uses').toEqual([]);
    });

    test(
      '`npx incluster init` finds the uv project and writes the pytest runner',
      { timeout: 120_000 },
      async () => {
        expect(done.install, 'installing incluster into the project failed (see beforeAll)').toBe(true);
        const init = await sh('npx', ['incluster', 'init']);
        expectSuccess(init);
        for (const path of [
          'incluster.config.yaml',
          'testing/Dockerfile',
          'tests/integration/test_example.py',
        ])
          expect(init.stdout, explain(init)).toMatch(new RegExp(`^created\\s+${path}$`, 'm'));
        expect(await readFile(join(work.project, 'testing/Dockerfile'), 'utf8')).toContain(
          'RUN uv sync --frozen --no-install-project --all-groups',
        );
        // The team's edits to the config, and the tools its tests need in the pod.
        const configFile = join(work.project, 'incluster.config.yaml');
        const edits = parse(await readFile(join(FIXTURES, 'pytest-project-edits.yaml'), 'utf8')) as Record<
          string,
          unknown
        >;
        await writeFile(configFile, applyEdits(await readFile(configFile, 'utf8'), edits));
        const dockerfile = join(work.project, 'testing/Dockerfile');
        const runtime = /^FROM \S+ AS runtime\n/m;
        expect(await readFile(dockerfile, 'utf8')).toMatch(runtime);
        await writeFile(
          dockerfile,
          (await readFile(dockerfile, 'utf8')).replace(runtime, (from) => from + TOOLS_LAYER),
        );
        done.init = true;
      },
    );

    test('`npx incluster up` reuses the running local cluster', { timeout: 300_000 }, async () => {
      expect(done.init, 'init failed above').toBe(true);
      const up = await sh('npx', ['incluster', 'up'], 280_000);
      expectSuccess(up);
      expect(up.stderr, explain(up)).toContain('local cluster floe-test is already running; reusing it');
      done.up = true;
    });

    test(
      '`npx incluster run --shards 2 -- -n 2` passes: two pods of two xdist workers, every fixture used',
      { tags: ['001-FR-170'], timeout: 900_000 },
      async () => {
        expect(done.up, 'up failed above').toBe(true);
        const { result, report } = await runSuite();
        expectSuccess(result);
        expect(report, explain(result)).toMatchObject({
          outcome: 'passed',
          exitStatus: 0,
          runnerArgs: ['-n', '2'],
        });
        expect(report!.shards, explain(result)).toHaveLength(2);
        expect(report!.tests, explain(result)).toMatchObject({
          tests: 21,
          failures: 0,
          errors: 0,
          skipped: 0,
        });
        const junit = await readFile(join(work.project, 'test-results', report!.runId, 'junit.xml'), 'utf8');
        for (const name of [
          'test_the_chart_with_ci_values',
          'test_the_ci_overlay_of_the_settings',
          'test_each_test_has_a_database_of_its_own[plum]',
          'test_holds_live_in_redis',
          'test_namespaces_for_the_session',
          'test_postgres_answers_through_cluster_dns',
        ])
          expect(junit).toContain(`name="${name}"`);
        expect(junit).toContain('<property name="requirements" value="001-FR-161,001-FR-165"/>');
        done.run = true;
      },
    );

    test(
      'one broken assertion fails the run with exit 1, the failure in its JUnit',
      { timeout: 900_000 },
      async () => {
        expect(done.run, 'the passing run failed above').toBe(true);
        const file = join(work.project, TO_BREAK.file);
        const text = await readFile(file, 'utf8');
        expect(text).toContain(TO_BREAK.from);
        await writeFile(file, text.replace(TO_BREAK.from, TO_BREAK.to));
        const { result, report } = await runSuite();
        expect(result.exitCode, explain(result)).toBe(1);
        expect(report, explain(result)).toMatchObject({ outcome: 'failed', exitStatus: 1 });
        expect(report!.tests, explain(result)).toMatchObject({ tests: 21, failures: 1, errors: 0 });
        const junit = await readFile(join(work.project, 'test-results', report!.runId, 'junit.xml'), 'utf8');
        const testcase = /<testcase [^>]*name="test_holds_live_in_redis"[^>]*>[\s\S]*?<\/testcase>/.exec(
          junit,
        );
        const failure = (testcase?.[0] ?? '').replaceAll('&apos;', "'").replaceAll('&quot;', '"');
        expect(failure, junit).toMatch(/<failure[^>]*>[\s\S]*assert \('apple', 2\) == \('apple', 3\)/);
      },
    );
  },
);
