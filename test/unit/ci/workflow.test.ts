// The GitHub Actions workflows: actionlint accepts them, the job graph is the one FR-041 asks for,
// and every action is pinned by a full version (or a commit), never a floating major or a branch.
// Used for both our own .github/workflows/ci.yml and the one `incluster init` writes.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCommand } from '../../../src/process/exec.ts';
import { inspectProject } from '../../../src/init/project.ts';
import { renderWorkflow } from '../../../src/init/render.ts';

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
    // Ours through the action; the generated one through the CLI (see below).
    expect(
      steps.some((s) => s.uses?.startsWith('gitleaks/gitleaks-action@') || /\bgitleaks\b/.test(s.run ?? '')),
    ).toBe(true);
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

describe('the workflow init writes, for organisations', { tags: ['001-FR-078'] }, () => {
  const template = resolve(root, 'templates/init/.github/workflows/ci.yml');

  test('every action is pinned by a full commit SHA, with the release it is in a comment', async () => {
    const text = await readFile(template, 'utf8');
    const uses = [...text.matchAll(/^\s*-?\s*uses: (.+)$/gm)].map((m) => m[1]!);
    expect(uses.length).toBeGreaterThan(5);
    for (const ref of uses) expect(ref, ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    // One SHA per action: the same release everywhere.
    const byAction = new Map<string, Set<string>>();
    for (const ref of uses) {
      const [action, sha] = ref.split(' ')[0]!.split('@');
      byAction.set(action!, (byAction.get(action!) ?? new Set()).add(sha!));
    }
    for (const [action, shas] of byAction) expect(shas.size, action).toBe(1);
  });

  test('the secret scan is the gitleaks CLI, pinned by version and SHA-256: no action that needs a licence', async () => {
    const steps = (await load(template)).jobs.security!.steps as {
      uses?: string;
      run?: string;
      env?: Record<string, string>;
    }[];
    expect(steps.some((s) => s.uses?.includes('gitleaks'))).toBe(false);
    const scan = steps.find((s) => s.run?.includes('gitleaks'))!;
    expect(scan.env?.GITLEAKS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(scan.env?.GITLEAKS_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(scan.run).toContain('sha256sum --check --strict');
    // The checksum is verified before the archive is unpacked and run.
    expect(scan.run!.indexOf('sha256sum')).toBeLessThan(scan.run!.indexOf('tar -xzf'));
    expect(scan.run).toMatch(/gitleaks" git --redact .*--exit-code 1/);
  });

  test('pushes to the default branch run it: init writes the repository’s own branch', async () => {
    const dir = await mkdtemp(resolve(tmpdir(), 'incluster-workflow-'));
    await mkdir(resolve(dir, '.git'));
    await writeFile(resolve(dir, '.git/HEAD'), 'ref: refs/heads/trunk\n');
    const rendered = parse(renderWorkflow(await readFile(template, 'utf8'), inspectProject(dir))) as {
      on: { push: { branches: string[] }; pull_request: unknown };
    };
    expect(rendered.on.push.branches).toEqual(['trunk']);
    expect(rendered.on).toHaveProperty('pull_request');
    await mkdir(resolve(dir, '.git/refs/remotes/origin'), { recursive: true });
    await writeFile(resolve(dir, '.git/refs/remotes/origin/HEAD'), 'ref: refs/remotes/origin/develop\n');
    expect(inspectProject(dir).defaultBranch).toBe('develop');
  });
});
