// The Python example (examples/orders-py), run as `make demo` runs it: `incluster run` in its folder
// builds the pytest runner image its init-generated Dockerfile describes and runs the suite in the
// shared local cluster against the real PostgreSQL; `incluster trace` then gates the example's own
// spec on the evidence copied out.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { explain, expectSuccess, repoRoot, sh } from '../../support/scratch-project.ts';
import type { RunReport } from '../../../src/runner/report.ts';
import { reportSchema } from '../../../src/trace/report-schema.ts';

const work = { dir: '', example: '' };
const cli = join(repoRoot, 'src/cli/main.ts');

beforeAll(async () => {
  // A copy, so its test-results and the staged plugin stay out of the checkout.
  work.dir = await mkdtemp(join(tmpdir(), 'incluster-orders-py-'));
  work.example = join(work.dir, 'examples/orders-py');
  await cp(join(repoRoot, 'examples/orders-py'), work.example, {
    recursive: true,
    filter: (path) => !/(^|\/)(test-results|\.incluster-plugins|\.venv|__pycache__)(\/|$)/.test(path),
  });
  // Its config names the services by their place in this repository.
  await cp(join(repoRoot, 'testing/k8s/services'), join(work.dir, 'testing/k8s/services'), {
    recursive: true,
  });
});

afterAll(async () => {
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

// `incluster run` of the example, not `make demo` (FR-115, test/lifecycle/kind-demo.test.ts): the
// pytest runner pod and the gate on its copied evidence (FR-114), in both forms it is copied out in.
describe('the Python example service', () => {
  test(
    'its pytest suite passes inside the cluster, and its spec gate passes on the evidence',
    { tags: ['001-FR-114', '001-FR-222'], timeout: 600_000 },
    async () => {
      const run = await sh(process.execPath, [cli, 'run', '--provider', 'local', '--json'], {
        cwd: work.example,
        timeoutMs: 540_000,
      });
      expectSuccess(run);
      const report = JSON.parse(run.stdout) as RunReport;
      expect(report, explain(run)).toMatchObject({ outcome: 'passed', exitStatus: 0 });
      expect(report.tests?.tests, explain(run)).toBeGreaterThanOrEqual(17);
      expect(report.traceability?.requirements.failed).toEqual([]);
      const junit = await readFile(join(work.example, 'test-results', report.runId, 'junit.xml'), 'utf8');
      expect(junit).toContain('test_no_connection_arguments_are_needed_in_the_cluster');
      expect(junit).not.toMatch(/<skipped/);
      const gate = await sh(
        process.execPath,
        [cli, 'trace', '--require-passing', `test-results/${report.runId}/shard-0/traceability.json`],
        { cwd: work.example, timeoutMs: 120_000 },
      );
      expectSuccess(gate);
      expect(gate.stdout, explain(gate)).toContain('6 total, 6 covered (100%)');
      expect(gate.stdout, explain(gate)).toMatch(/0 unverified/);
      // The merged JUnit (pytest's own, classnames like `tests.unit.test_orders`) says the same: every
      // test's outcome is filled in and every requirement is judged from them, in JSON and in HTML.
      for (const evidence of ['junit.xml', 'shard-0/traceability.json']) {
        const args = ['trace', '--require-passing', `test-results/${report.runId}/${evidence}`];
        const json = await sh(process.execPath, [cli, ...args, '--format', 'json'], {
          cwd: work.example,
          timeoutMs: 120_000,
        });
        expectSuccess(json);
        const traced = reportSchema.parse(JSON.parse(json.stdout));
        expect(traced.tests.length, evidence).toBeGreaterThanOrEqual(17);
        expect(new Set(traced.tests.map((t) => t.outcome)), evidence).toEqual(new Set(['passed']));
        expect(traced.summary.evidence?.unmatched, evidence).toBe(0);
        expect(new Set(traced.requirements.map((r) => r.verdict)), evidence).toEqual(new Set(['passed']));
        const html = await sh(process.execPath, [cli, ...args, '--format', 'html'], {
          cwd: work.example,
          timeoutMs: 120_000,
        });
        expectSuccess(html);
        expect(html.stdout, evidence).not.toMatch(/class="chip s-(not-run|unverified|failed)"/);
        expect(html.stdout.match(/class="chip s-passed"/g)?.length ?? 0).toBeGreaterThan(traced.tests.length);
      }
    },
  );

  test(
    'sharded over two pods with services of its own, each pod runs the files it was given and the JUnit merges to the whole suite',
    { tags: ['001-FR-113', '001-FR-016', '001-FR-184', '001-FR-180', '001-FR-181'], timeout: 600_000 },
    async () => {
      // services.isolation: run: the plugin's fixtures and psycopg.connect() must reach the run's
      // own PostgreSQL (the shared one has other credentials), found as they find the shared one.
      const configFile = join(work.example, 'incluster.config.yaml');
      const config = await readFile(configFile, 'utf8');
      expect(config).toContain('services:\n  manifests:');
      await writeFile(configFile, config.replace('services:\n', 'services:\n  isolation: run\n'));
      const run = await sh(process.execPath, [cli, 'run', '--provider', 'local', '--json', '--shards', '2'], {
        cwd: work.example,
        timeoutMs: 540_000,
      });
      expectSuccess(run);
      const report = JSON.parse(run.stdout) as RunReport;
      expect(report, explain(run)).toMatchObject({ outcome: 'passed', exitStatus: 0 });
      expect(run.stderr).toContain(`Deploying 2 service objects into ${report.namespace}`);
      expect(report.shards, explain(run)).toHaveLength(2);
      // pytest's files, listed here by its own rules, each in exactly one shard, none empty.
      expect(report.sharding?.by, explain(run)).toBe('time');
      const files = report.shards.map((shard) => shard.files ?? []);
      expect(
        files.every((list) => list.length > 0),
        explain(run),
      ).toBe(true);
      expect(files.flat().sort()).toEqual([
        'tests/integration/test_orders.py',
        'tests/integration/test_price_list.py',
        'tests/unit/test_money.py',
      ]);
      const dir = join(work.example, 'test-results', report.runId);
      const cases = async (shard: number) =>
        [
          ...(await readFile(join(dir, `shard-${shard}`, 'junit-pytest.xml'), 'utf8')).matchAll(
            /<testcase [^>]*name="([^"]+)"/g,
          ),
        ].map((m) => m[1]!);
      const [first, second] = [await cases(0), await cases(1)];
      expect(first.length).toBeGreaterThan(0);
      expect(second.length).toBeGreaterThan(0);
      expect(first.filter((name) => second.includes(name))).toEqual([]);
      expect(report.tests?.tests).toBe(first.length + second.length);
      expect(report.tests?.tests).toBeGreaterThanOrEqual(17);
    },
  );
});
