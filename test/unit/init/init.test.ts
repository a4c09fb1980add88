// `incluster init` into temporary repositories: an empty one, one with its own Makefile and
// workflow, twice in a row, with --force and with --dry-run.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { actionlint } from '../../support/actionlint.ts';
import { runCliCaptured } from '../../support/cli.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { BLOCK_BEGIN, BLOCK_END, INCLUSTER_TARGETS } from '../../../src/init/makefile.ts';
import { PACKAGE_ROOT } from '../../../src/init/scaffold.ts';
import { KIND_NODE_IMAGE } from '../../../src/cluster/versions.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');

async function emptyRepo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-init-'));
  await mkdir(join(dir, '.git'));
  return dir;
}

async function init(cwd: string, ...flags: string[]) {
  const { status, out, err } = await runCliCaptured(['init', ...flags], { cwd });
  return {
    status,
    out,
    err,
    outcome: (path: string) => new RegExp(`^(\\S+(?: \\S+)?)\\s+${path}`, 'm').exec(out)?.[1],
  };
}

/** Every file under `dir` (except .git) with its content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes('/.git/')) continue;
    files[path.slice(dir.length + 1)] = await readFile(path, 'utf8');
  }
  return files;
}

const EXPECTED = [
  '.dockerignore',
  '.gitignore',
  '.nvmrc',
  '.github/workflows/ci.yml',
  '.github/workflows/test-report.yml',
  'Makefile',
  'incluster.config.yaml',
  'specs/001-example/spec.md',
  'test/integration/example.test.ts',
  'testing/Dockerfile',
  'testing/k8s/kind-config.yaml',
  'vitest.config.ts',
];

describe('incluster init', { tags: ['001-FR-042'] }, () => {
  test('into an empty repository: writes every file, and the config validates', async () => {
    const dir = await emptyRepo();
    const result = await init(dir);
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/Next steps:[\s\S]*npx incluster up[\s\S]*make test-integration/);
    const files = await snapshot(dir);
    const services = (await readdir(join(repoRoot, 'testing/k8s/services'))).filter((f) =>
      /\.ya?ml$/.test(f),
    );
    expect(Object.keys(files).sort()).toEqual(
      [...EXPECTED, ...services.map((f) => `testing/k8s/services/${f}`)].sort(),
    );
    for (const path of Object.keys(files)) expect(result.outcome(path), path).toBe('created');
    const config = parseConfig(files['incluster.config.yaml']!, join(dir, 'incluster.config.yaml'));
    expect(config.cluster.kind.config).toBe(join(dir, 'testing/k8s/kind-config.yaml'));
    expect(config.runner.dockerfile).toBe(join(dir, 'testing/Dockerfile'));
    expect(existsSync(config.runner.dockerfile)).toBe(true);
    expect(existsSync(config.cluster.kind.config)).toBe(true);
    // The spec template is in our spec format, and the example test names its requirement.
    expect(files['specs/001-example/spec.md']).toMatch(/^- \*\*001-FR-001\*\* \S/m);
    expect(files['test/integration/example.test.ts']).toContain(`tags: ['001-FR-001']`);
  });

  test('the service manifests and (for npm) the runner Dockerfile are incluster’s own, byte for byte; the kind config is ours, named after the project', async () => {
    const dir = await emptyRepo();
    await init(dir);
    const ours = await readFile(join(PACKAGE_ROOT, 'testing/k8s/kind-config.yaml'), 'utf8');
    const kind = await readFile(join(dir, 'testing/k8s/kind-config.yaml'), 'utf8');
    // The same cluster definition, without the notes for incluster's developers.
    expect(kind.slice(kind.indexOf('kind: Cluster'))).toBe(
      ours
        .slice(ours.indexOf('kind: Cluster'))
        .replace(/^name: .*$/m, `name: ${basename(dir).toLowerCase()}`),
    );
    expect(kind).not.toMatch(/schema\.ts|unit test/);
    expect(kind).toContain(KIND_NODE_IMAGE);
    const dockerfile = existsSync(join(PACKAGE_ROOT, 'testing/Dockerfile'))
      ? 'testing/Dockerfile'
      : 'templates/init/testing/Dockerfile';
    expect(await readFile(join(dir, 'testing/Dockerfile'), 'utf8')).toBe(
      await readFile(join(PACKAGE_ROOT, dockerfile), 'utf8'),
    );
    expect(await readFile(join(dir, 'testing/k8s/services/postgres.yaml'), 'utf8')).toContain(
      'kind: StatefulSet',
    );
    for (const name of await readdir(join(repoRoot, 'testing/k8s/services')))
      expect(await readFile(join(dir, 'testing/k8s/services', name), 'utf8'), name).toBe(
        await readFile(join(repoRoot, 'testing/k8s/services', name), 'utf8'),
      );
  });

  test('the generated workflow passes actionlint', { tags: ['001-FR-041'], timeout: 300_000 }, async () => {
    const dir = await emptyRepo();
    await init(dir);
    const lint = await actionlint(dir);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.exitCode).toBe(0);
  });

  test(
    'the generated Makefile offers the seed targets and `make help` lists them',
    { tags: ['001-FR-040'] },
    async () => {
      const dir = await emptyRepo();
      await init(dir);
      const help = await runCommand('make', ['--no-print-directory', 'help'], { cwd: dir });
      for (const target of [
        'kind-up',
        'kind-down',
        'test',
        'test-unit',
        'test-integration',
        'test-e2e',
        'check',
        'lint',
        'typecheck',
        'traceability',
      ])
        expect(help.stdout).toMatch(new RegExp(`^  ${target} +\\S`, 'm'));
      const dry = await runCommand('make', ['--no-print-directory', '-n', 'kind-up', 'traceability'], {
        cwd: dir,
      });
      expect(dry.stdout).toContain('npx incluster up --provider kind');
      expect(dry.stdout).toContain('npx incluster trace');
    },
  );

  test('running it twice changes nothing and reports every file unchanged', async () => {
    const dir = await emptyRepo();
    await init(dir);
    const before = await snapshot(dir);
    const second = await init(dir);
    expect(second.status).toBe(0);
    expect(await snapshot(dir)).toEqual(before);
    for (const path of Object.keys(before)) expect(second.outcome(path), path).toBe('unchanged');
  });

  test('an existing Makefile and workflow: conflicts are reported with a diff, nothing is overwritten', async () => {
    const dir = await emptyRepo();
    const makefile =
      'SHELL := /bin/bash\n\nbuild:\n\tgo build ./...\n\ntest: build\n\tgo test ./...\n\nlint:\n\tgolangci-lint run\n';
    const workflow =
      'name: mine\non: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: make\n';
    await writeFile(join(dir, 'Makefile'), makefile);
    await writeFile(join(dir, '.gitignore'), '/node_modules\n*.log');
    await mkdir(join(dir, '.github/workflows'), { recursive: true });
    await writeFile(join(dir, '.github/workflows/ci.yml'), workflow);

    const result = await init(dir);
    expect(result.status).toBe(1);
    expect(result.outcome('.github/workflows/ci.yml')).toBe('conflict');
    expect(await readFile(join(dir, '.github/workflows/ci.yml'), 'utf8')).toBe(workflow);
    expect(result.out).toContain('--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ ');
    expect(result.out).toContain('-name: mine');
    expect(result.err).toContain('left as they are: .github/workflows/ci.yml');
    expect(result.err).toContain('incluster init --force');

    // The Makefile keeps every line of the user's and gains a marked block without their targets.
    expect(result.outcome('Makefile')).toBe('appended');
    expect(result.out).toContain('targets this Makefile defines, left as they are: test, lint');
    const merged = await readFile(join(dir, 'Makefile'), 'utf8');
    expect(merged.startsWith(makefile)).toBe(true);
    const block = merged.slice(merged.indexOf(BLOCK_BEGIN));
    expect(block.trimEnd().endsWith(BLOCK_END)).toBe(true);
    expect(block).not.toMatch(/^test:/m);
    expect(block).not.toMatch(/^lint:/m);
    expect(block).toMatch(/^kind-up:/m);
    const dry = await runCommand('make', ['--no-print-directory', '-n', 'test', 'kind-down'], { cwd: dir });
    expect(dry.stdout).toBe('go build ./...\ngo test ./...\nnpx incluster down --provider kind\n');

    // .gitignore keeps the user's lines and gains only what it lacked; never a conflict.
    expect(result.outcome('.gitignore')).toBe('appended');
    const ignore = await readFile(join(dir, '.gitignore'), 'utf8');
    expect(ignore.startsWith('/node_modules\n*.log\n')).toBe(true);
    expect(ignore.match(/node_modules/g)).toHaveLength(1);
    expect(ignore).toMatch(/^test-results\/$/m);

    // A second run changes nothing and reports the same conflicts.
    const before = await snapshot(dir);
    const again = await init(dir);
    expect(await snapshot(dir)).toEqual(before);
    // The user's own targets are a note, not a conflict: the Makefile is as init leaves it.
    expect(again.outcome('Makefile')).toBe('unchanged');
    expect(again.out).toContain('left as they are: test, lint');
    expect(again.outcome('.github/workflows/ci.yml')).toBe('conflict');
    expect(again.outcome('incluster.config.yaml')).toBe('unchanged');
    expect(again.outcome('.gitignore')).toBe('unchanged');
  });

  test('--force overwrites incluster’s differing files, edited starting points and an edited incluster block, never the user’s targets', async () => {
    const dir = await emptyRepo();
    await init(dir);
    await writeFile(join(dir, 'incluster.config.yaml'), 'namespace: mine\n');
    await writeFile(join(dir, 'testing/Dockerfile'), 'FROM scratch\n');
    const makefile = await readFile(join(dir, 'Makefile'), 'utf8');
    await writeFile(
      join(dir, 'Makefile'),
      `mine:\n\techo mine\n\n${makefile.replace('kind-up:', 'kind-upp:')}`,
    );
    const conflicted = await init(dir);
    expect(conflicted.status).toBe(1);
    // The config is the project's once written: kept, not a conflict.
    expect(conflicted.outcome('incluster.config.yaml')).toBe('kept');
    expect(await readFile(join(dir, 'incluster.config.yaml'), 'utf8')).toBe('namespace: mine\n');
    expect(conflicted.outcome('testing/Dockerfile')).toBe('conflict');
    expect(conflicted.outcome('Makefile')).toBe('conflict');

    const forced = await init(dir, '--force');
    expect(forced.status).toBe(0);
    expect(forced.outcome('incluster.config.yaml')).toBe('overwritten');
    expect(forced.outcome('testing/Dockerfile')).toBe('overwritten');
    expect(forced.outcome('Makefile')).toBe('overwritten');
    expect(await readFile(join(dir, 'incluster.config.yaml'), 'utf8')).toContain(
      `name: ${basename(dir).toLowerCase()}`,
    );
    expect(await readFile(join(dir, 'Makefile'), 'utf8')).toBe(`mine:\n\techo mine\n\n${makefile}`);
    const again = await init(dir);
    expect(again.status).toBe(0);
    expect(again.out).toContain('Nothing changed');
  });

  test('--dry-run writes nothing and says what it would do', async () => {
    const dir = await emptyRepo();
    const result = await init(dir, '--dry-run');
    expect(result.status).toBe(0);
    expect(result.outcome('incluster.config.yaml')).toBe('would create');
    expect(result.outcome('Makefile')).toBe('would create');
    expect(result.out).not.toContain('Next steps');
    expect(await snapshot(dir)).toEqual({});
  });

  test('every target in the block is documented for `make help`', { tags: ['001-FR-040'] }, () => {
    for (const target of INCLUSTER_TARGETS) expect(target.help.length).toBeGreaterThan(5);
  });
});
