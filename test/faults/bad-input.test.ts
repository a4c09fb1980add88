// Bad input is the user's to fix, so it exits 2 and says where (FR-027, FR-031, FR-033, FR-044):
// malformed YAML and unknown kinds among the service manifests of `up --provider existing` (which
// only verifies the shared cluster and applies into its own `fault-` namespace), a config with wrong
// types, malformed requirement IDs and duplicate IDs for `incluster trace`. All through the real CLI.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCommand } from '../../src/process/exec.ts';
import { CLI, dropNamespace, expectNoStackTrace, faultClient } from './support.ts';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fault-input-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

function cli(dir: string, args: string[]) {
  return runCommand(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    allowFailure: true,
    timeoutMs: 240_000,
  });
}

function expectUsageError(result: { exitCode: number; stderr: string }, where: RegExp): void {
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stderr).toMatch(where);
  expectNoStackTrace(result.stderr);
}

// A malformed manifest is an error naming its file and document (FR-027); nothing here is applied
// and waited for, which is FR-002's.
describe('bad service manifests for up', { tags: ['001-FR-027'] }, () => {
  const namespace = `fault-input-${randomBytes(3).toString('hex')}`;
  const kube = faultClient();
  afterAll(() => dropNamespace(kube, namespace));

  test('a malformed YAML document: exit 2 naming the file, the line and the document', async () => {
    const dir = await project({
      'incluster.config.yaml': `namespace: ${namespace}\nservices:\n  manifests: [services/]\n`,
      'services/app.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: fine',
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: broken',
        ' data: [unclosed',
        '',
      ].join('\n'),
    });
    const result = await cli(dir, ['up', '--provider', 'existing']);
    expectUsageError(result, /services\/app\.yaml:\d+: document 2 is not valid YAML/);
    // Nothing of the file was applied: the valid first document is not half-deployed.
    const applied = await kube.core.listNamespacedConfigMap({ namespace }).catch(() => ({ items: [] }));
    expect(applied.items.map((c) => c.metadata?.name)).not.toContain('fine');
  });

  test('an unknown kind: exit 2 naming the file, the document and the kind', async () => {
    const dir = await project({
      'incluster.config.yaml': `namespace: ${namespace}\nservices:\n  manifests: [services/gizmo.yaml]\n`,
      'services/gizmo.yaml': 'apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n',
    });
    const result = await cli(dir, ['up', '--provider', 'existing']);
    expectUsageError(
      result,
      /services\/gizmo\.yaml \(document 1, line 1\): the cluster does not know kind Gizmo/,
    );
  });
});

describe('a config with wrong types', { tags: ['001-FR-044'] }, () => {
  test('exit 2 naming the file, the line and the field path before touching the cluster', async () => {
    const dir = await project({
      'incluster.config.yaml': 'namespace: fault-never-created\nservices:\n  timeout: 5\n',
    });
    const result = await cli(dir, ['up', '--provider', 'existing']);
    expectUsageError(result, /incluster\.config\.yaml:3: services\.timeout: expected string, got 5/);
    expect(result.stderr).not.toMatch(/reach the API server/);

    const shards = await project({ 'incluster.config.yaml': 'runner:\n  shards: two\n' });
    const second = await cli(shards, ['run', '--provider', 'existing']);
    expectUsageError(second, /incluster\.config\.yaml:2: runner\.shards: /);
  });
});

describe('requirement IDs', { tags: ['001-FR-031', '001-FR-033', '001-FR-035'] }, () => {
  const spec = (lines: string[]) => `# Spec\n\n## Group\n\n${lines.join('\n')}\n`;
  const testFile = (tags: string[]) =>
    `import { test } from 'vitest';\n\n${tags.map((t, i) => `test('t${i}', { tags: ['${t}'] }, () => {});`).join('\n')}\n`;

  test('duplicate IDs in the spec: exit 2 naming both places', async () => {
    const dir = await project({
      'package.json': '{}',
      'specs/001-x/spec.md': spec([
        '- **001-FR-001** One.',
        '- **001-FR-002** Two.',
        '- **001-FR-001** One again.',
      ]),
      'test/a.test.ts': testFile(['001-FR-001']),
    });
    const result = await cli(dir, ['trace']);
    expectUsageError(
      result,
      /duplicate requirement ID 001-FR-001: specs\/001-x\/spec\.md:5 and specs\/001-x\/spec\.md:7/,
    );
  });

  test('a malformed ID in the spec: exit 2 naming the file and line', async () => {
    const dir = await project({
      'package.json': '{}',
      'specs/001-x/spec.md': spec(['- **001-FR-001** One.', '- **01-FR-02** Two, badly numbered.']),
      'test/a.test.ts': testFile(['001-FR-001']),
    });
    const result = await cli(dir, ['trace']);
    expectUsageError(result, /specs\/001-x\/spec\.md:6: malformed requirement ID `01-FR-02`/);
  });

  test('a malformed ID on a test fails the gate (exit 1, FR-035) naming the file and line', async () => {
    const dir = await project({
      'package.json': '{}',
      'specs/001-x/spec.md': spec(['- **001-FR-001** One.']),
      'test/a.test.ts': testFile(['001-FR-001', '001_fr_001']),
    });
    const result = await cli(dir, ['trace']);
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toMatch(/test\/a\.test\.ts:4:1 +malformed requirement ID `001_fr_001`/);
    expectNoStackTrace(result.stderr);
  });
});
