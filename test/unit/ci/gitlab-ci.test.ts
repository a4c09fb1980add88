// The README's GitLab CI pipeline is valid GitLab CI: checked against GitLab's own CI schema by
// gitlab-ci-local (which bundles that schema and validates a .gitlab-ci.yml offline), pinned and run
// with npx; and it runs the commands of the GitHub workflow `init` writes for the default layout.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCommand } from '../../../src/process/exec.ts';
import { DEFAULT_DIRS, vitestUnitCommand } from '../../../src/init/test-commands.ts';

const GITLAB_CI_LOCAL = 'gitlab-ci-local@4.75.1';
const repoRoot = resolve(import.meta.dirname, '../../..');
const MARKER = '<!-- gitlab-ci.yml: checked by test/unit/ci/gitlab-ci.test.ts -->';

/** The YAML block after the marker in the README. */
async function readmePipeline(): Promise<string> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const at = readme.indexOf(MARKER);
  expect(at, 'the README marks its GitLab CI pipeline').toBeGreaterThan(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
  expect(block).toBeDefined();
  return block!;
}

/** gitlab-ci-local's `--list` in a scratch repository holding `pipeline`: it validates the file first. */
async function validate(pipeline: string) {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-gitlab-ci-'));
  await runCommand('git', ['init', '--quiet', dir]);
  await writeFile(join(dir, '.gitlab-ci.yml'), pipeline);
  const result = await runCommand('npx', ['--yes', GITLAB_CI_LOCAL, '--list'], {
    cwd: dir,
    allowFailure: true,
    timeoutMs: 240_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { ...result, output: result.stdout + result.stderr };
}

describe('the README’s GitLab CI pipeline', { tags: ['001-FR-214'] }, () => {
  test('passes GitLab’s CI schema, and a broken copy does not', { timeout: 300_000 }, async () => {
    const pipeline = await readmePipeline();
    const valid = await validate(pipeline);
    expect(valid.exitCode, valid.output).toBe(0);
    expect(valid.output).toContain('json schema validated');
    for (const job of ['lint-typecheck', 'unit-tests', 'security', 'integration-tests', 'traceability'])
      expect(valid.output).toMatch(new RegExp(`^${job}\\s`, 'm'));
    const broken = await validate(pipeline.replace('    when: always\n', '    whenn: always\n'));
    expect(broken.exitCode).toBe(1);
    expect(broken.output).toContain("'whenn' property is not expected to be here");
  });

  test('runs what the GitHub workflow runs', async () => {
    const jobs = parse(await readmePipeline()) as Record<string, { script?: string[] }>;
    expect(jobs['unit-tests']!.script).toEqual([vitestUnitCommand(DEFAULT_DIRS)]);
    expect(jobs['integration-tests']!.script).toContain(
      `npx incluster run --provider existing -- ${DEFAULT_DIRS.integration}`,
    );
    expect(jobs.traceability!.script![0]).toMatch(/^npx incluster trace --require-passing /);
  });
});
