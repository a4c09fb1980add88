// The GitHub Actions workflows: actionlint accepts them, the job graph is the one FR-041 asks for,
// and every action is pinned by a full version (or a commit), never a floating major or a branch.
// Used for both our own .github/workflows/ci.yml and the one `incluster init` writes.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCommand } from '../../../src/process/exec.ts';

const root = resolve(import.meta.dirname, '../../..');
const workflows = {
  'our ci.yml': resolve(root, '.github/workflows/ci.yml'),
  'the ci.yml init writes': resolve(root, 'templates/init/.github/workflows/ci.yml'),
};

interface Workflow {
  jobs: Record<
    string,
    {
      needs?: string | string[];
      if?: string;
      steps: { uses?: string; run?: string; with?: Record<string, unknown> }[];
    }
  >;
}

/** Builds actionlint once (cached by version) and returns its path. */
async function actionlint(): Promise<string> {
  const result = await runCommand('bash', [resolve(root, 'scripts/actionlint.sh'), '--print-path'], {
    timeoutMs: 300_000,
  });
  return result.stdout.trim();
}

async function load(file: string): Promise<Workflow> {
  return parse(await readFile(file, 'utf8')) as Workflow;
}

const REQUIRED_JOBS = ['lint-typecheck', 'unit-tests', 'security', 'traceability', 'integration-tests'];

describe.each(Object.entries(workflows))('%s', { tags: ['001-FR-041'] }, (_label, file) => {
  test('passes actionlint', { timeout: 300_000 }, async () => {
    const bin = await actionlint();
    const result = await runCommand(bin, ['-shellcheck=', '-pyflakes=', file], { allowFailure: true });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  test('has the required jobs, and integration tests need unit tests and security', async () => {
    const { jobs } = await load(file);
    expect(Object.keys(jobs).sort()).toEqual([...REQUIRED_JOBS, 'ci-success'].sort());
    expect(jobs['integration-tests']?.needs).toEqual(['unit-tests', 'security']);
  });

  test('ci-success needs every job, always runs, and fails unless each succeeded', async () => {
    const gate = (await load(file)).jobs['ci-success']!;
    expect([gate.needs].flat().sort()).toEqual([...REQUIRED_JOBS].sort());
    expect(gate.if).toBe('always()');
    const script = gate.steps.map((s) => s.run ?? '').join('\n');
    expect(script).toContain(`all(.[]; .result == "success")`);
  });

  test('every action is pinned to a full version or a commit', async () => {
    const { jobs } = await load(file);
    const uses = Object.values(jobs).flatMap((job) =>
      job.steps.map((s) => s.uses).filter(Boolean),
    ) as string[];
    expect(uses.length).toBeGreaterThan(5);
    for (const ref of uses) expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$/);
  });

  test('security audits dependencies at a stated severity and scans for secrets', async () => {
    const steps = (await load(file)).jobs.security!.steps;
    expect(steps.map((s) => s.run)).toContain('npm audit --audit-level=high');
    expect(steps.some((s) => s.uses?.startsWith('gitleaks/gitleaks-action@'))).toBe(true);
  });

  test('integration tests run on kind from the repository kind config and keep their results', async () => {
    const job = (await load(file)).jobs['integration-tests']!;
    const kind = job.steps.find((s) => s.uses?.startsWith('helm/kind-action@'));
    expect(kind?.with?.config).toBe('testing/k8s/kind-config.yaml');
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/ up --provider kind/);
    expect(runs).toMatch(/ run\b/);
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload).toMatchObject({ if: 'always()', with: { path: 'test-results/' } });
    const logs = job.steps.find((s) => (s.run ?? '').startsWith('kind export logs'));
    expect(logs).toMatchObject({ if: 'failure()' });
    expect(job.steps.some((s) => s.uses?.startsWith('mikepenz/action-junit-report@'))).toBe(true);
  });

  test('node comes from .nvmrc', async () => {
    const { jobs } = await load(file);
    for (const job of Object.values(jobs))
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')))
        expect(step.with?.['node-version-file']).toBe('.nvmrc');
  });
});

test('actionlint rejects a broken workflow', { tags: ['001-FR-041'], timeout: 300_000 }, async () => {
  const bin = await actionlint();
  const broken =
    'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: [missing]\n    steps:\n      - run: echo ${{ matrix.nope }}\n';
  const result = await runCommand(bin, ['-shellcheck=', '-pyflakes=', '-'], {
    input: broken,
    allowFailure: true,
  });
  expect(result.exitCode).toBe(1);
  expect(result.stdout).toContain('missing');
});
