// The GitHub Actions workflows: actionlint accepts them, the job graph is the one FR-041 asks for,
// and every action is pinned by a full version (or a commit), never a floating major or a branch.
// Used for both our own .github/workflows/ci.yml and the one `incluster init` writes, and for the
// test-report.yml beside each, which publishes the JUnit for pull requests from forks too.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCommand } from '../../../src/process/exec.ts';
import { inspectProject } from '../../../src/init/project.ts';
import { renderWorkflow } from '../../../src/init/workflow.ts';

const root = resolve(import.meta.dirname, '../../..');
const workflows = {
  'our ci.yml': resolve(root, '.github/workflows/ci.yml'),
  'the ci.yml init writes': resolve(root, 'templates/init/.github/workflows/ci.yml'),
};
const reports = {
  'our test-report.yml': resolve(root, '.github/workflows/test-report.yml'),
  'the test-report.yml init writes': resolve(root, 'templates/init/.github/workflows/test-report.yml'),
};

interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<
    string,
    {
      needs?: string | string[];
      if?: string;
      permissions?: Record<string, string>;
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
  });

  test(
    'asks for no write permission: a pull request from a fork gets a read-only token',
    { tags: ['001-FR-203'] },
    async () => {
      const workflow = await load(file);
      const permissions = [workflow.permissions, ...Object.values(workflow.jobs).map((j) => j.permissions)];
      for (const granted of permissions.filter(Boolean))
        expect(Object.values(granted!).every((level) => level === 'read')).toBe(true);
      const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.map((s) => s.uses ?? ''));
      expect(uses.filter((u) => u.startsWith('mikepenz/'))).toEqual([]);
    },
  );

  test('node comes from .nvmrc', async () => {
    const { jobs } = await load(file);
    for (const job of Object.values(jobs))
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')))
        expect(step.with?.['node-version-file']).toBe('.nvmrc');
  });
});

describe.each(Object.entries(reports))('%s', { tags: ['001-FR-203', '001-FR-041'] }, (_label, file) => {
  test('passes actionlint', { timeout: 300_000 }, async () => {
    const bin = await actionlint();
    const result = await runCommand(bin, ['-shellcheck=', '-pyflakes=', file], { allowFailure: true });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  test('publishes each run’s merged JUnit once, after CI, with the write permission of its own', async () => {
    const report = await load(file);
    const ci = await load(file.replace('test-report.yml', 'ci.yml'));
    expect(report.on).toEqual({ workflow_run: { workflows: [ci.name], types: ['completed'] } });
    expect(report.permissions).toEqual({ contents: 'read' });
    const [job] = Object.values(report.jobs);
    expect(job!.permissions).toEqual({ actions: 'read', checks: 'write' });
    const download = job!.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
    expect(download.with).toMatchObject({
      pattern: 'integration-test-results',
      path: 'integration-test-results/',
      'run-id': '${{ github.event.workflow_run.id }}',
    });
    const publish = job!.steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report@'))!;
    // The merged file of each run only: the shards' junit-*.xml and traceability.junit.xml hold
    // the same tests again. No annotations: incluster run made one per failed test in CI.
    expect(publish.with).toMatchObject({
      report_paths: 'integration-test-results/*/junit.xml',
      commit: '${{ github.event.workflow_run.head_sha }}',
      skip_annotations: true,
    });
    // What CI uploads under that name is test-results/, whose <run-id>/junit.xml is the merged file.
    const upload = ci.jobs['integration-tests']!.steps.find((s) =>
      s.uses?.startsWith('actions/upload-artifact@'),
    );
    expect(upload?.with).toMatchObject({ name: 'integration-test-results', path: 'test-results/' });
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

  test(
    'pushes to the default branch run it: origin’s HEAD, else main or master, never the branch init runs on',
    { tags: ['001-FR-200'] },
    async () => {
      const dir = await mkdtemp(resolve(tmpdir(), 'incluster-workflow-'));
      await mkdir(resolve(dir, '.git/refs/heads/feature'), { recursive: true });
      await writeFile(resolve(dir, '.git/HEAD'), 'ref: refs/heads/feature/add-incluster\n');
      await writeFile(resolve(dir, '.git/refs/heads/feature/add-incluster'), `${'a'.repeat(40)}\n`);
      const branches = () =>
        (
          parse(renderWorkflow(templateText, inspectProject(dir))) as {
            on: { push: { branches: string[] }; pull_request: unknown };
          }
        ).on;
      const templateText = await readFile(template, 'utf8');
      // A new repository, on a feature branch from the start: git's and GitHub's default.
      expect(branches().push.branches).toEqual(['main']);
      expect(inspectProject(dir).defaultBranch).toEqual({ name: 'main', source: 'default' });
      expect(branches()).toHaveProperty('pull_request');
      // The repository has master (packed, as a clone packs its refs).
      await writeFile(
        resolve(dir, '.git/packed-refs'),
        `# pack-refs with: peeled fully-peeled sorted\n${'b'.repeat(40)} refs/heads/master\n`,
      );
      expect(branches().push.branches).toEqual(['master']);
      // …and main as a loose ref: main wins.
      await writeFile(resolve(dir, '.git/refs/heads/main'), `${'c'.repeat(40)}\n`);
      expect(branches().push.branches).toEqual(['main']);
      // origin's HEAD names the default branch whatever the local ones are.
      await mkdir(resolve(dir, '.git/refs/remotes/origin'), { recursive: true });
      await writeFile(resolve(dir, '.git/refs/remotes/origin/HEAD'), 'ref: refs/remotes/origin/develop\n');
      expect(branches().push.branches).toEqual(['develop']);
      expect(inspectProject(dir).defaultBranch.source).toBe('origin/HEAD');
    },
  );

  test('a linked worktree reads the refs of its main repository', { tags: ['001-FR-200'] }, async () => {
    const dir = await mkdtemp(resolve(tmpdir(), 'incluster-workflow-'));
    const repo = resolve(dir, 'repo');
    const tree = resolve(dir, 'tree');
    expect((await runCommand('git', ['init', '--quiet', '--initial-branch=trunk', repo])).exitCode).toBe(0);
    const git = (...args: string[]) =>
      runCommand('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    await git('commit', '--quiet', '--allow-empty', '-m', 'first');
    await git('branch', 'master');
    await git('worktree', 'add', '--quiet', '-b', 'feature/x', tree);
    expect(inspectProject(tree).defaultBranch).toEqual({ name: 'master', source: 'branch' });
  });
});
