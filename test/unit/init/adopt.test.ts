// `incluster init` into repositories that already exist: it detects their package manager, edits
// their Vitest config, keeps them green, keeps credentials out of git, names the cluster after the
// project, and merges into their Makefile (included files too) without grafting onto their targets.
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCliCaptured } from '../../support/cli.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { detectPackageManager, dockerfileMismatch } from '../../../src/init/package-manager.ts';
import { dnsLabel, inspectProject, projectName } from '../../../src/init/project.ts';
import { addWithRequirements, vitestInclude } from '../../../src/init/vitest-config.ts';

/** A repository with `files` (path → content) and a .git directory. */
async function repo(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-adopt-'));
  await mkdir(join(dir, '.git'));
  await writeFile(join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function init(cwd: string, ...flags: string[]) {
  const result = await runCliCaptured(['init', ...flags], { cwd });
  return {
    ...result,
    outcome: (path: string) =>
      new RegExp(`^(\\S+(?: \\S+)?)\\s+${path.replaceAll('.', '\\.')}(?:\\s|$)`, 'm').exec(result.out)?.[1],
  };
}

const read = (dir: string, path: string) => readFile(join(dir, path), 'utf8');

const USER_VITEST_CONFIG = `import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

// Our aliases: keep them.
export default defineConfig({
  resolve: { alias: { '@': resolve(import.meta.dirname, 'src') } },
  test: { include: ['tests/**/*.test.ts'], environment: 'node' },
});
`;

describe('the package manager decides the runner Dockerfile', { tags: ['001-FR-073'] }, () => {
  test('npm, pnpm and yarn are recognised from packageManager first, then the lockfile', async () => {
    expect(detectPackageManager(await repo({ 'package.json': '{}' }))).toMatchObject({ name: 'npm' });
    expect(detectPackageManager(await repo({ 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }))).toMatchObject({
      name: 'pnpm',
      version: '9',
      source: 'pnpm-lock.yaml',
    });
    expect(detectPackageManager(await repo({ 'yarn.lock': '# yarn lockfile v1\n' }))).toMatchObject({
      name: 'yarn',
      berry: false,
    });
    expect(detectPackageManager(await repo({ 'yarn.lock': '__metadata:\n  version: 8\n' }))).toMatchObject({
      name: 'yarn',
      berry: true,
    });
    const declared = await repo({
      'package.json': '{"packageManager":"pnpm@9.15.9+sha512.abc"}',
      'package-lock.json': '{}',
    });
    expect(detectPackageManager(declared)).toMatchObject({
      name: 'pnpm',
      version: '9.15.9',
      source: 'packageManager in package.json',
    });
  });

  test('a pnpm project gets a Dockerfile that installs with pnpm, a yarn project one with yarn', async () => {
    const pnpm = await repo({ 'package.json': '{"name":"p"}', 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" });
    expect((await init(pnpm)).status).toBe(0);
    const pnpmFile = await read(pnpm, 'testing/Dockerfile');
    expect(pnpmFile).toMatch(/^COPY package\.json pnpm-lock\.yaml pnpm-workspace\.yaml\* \.npmrc\* \.\/$/m);
    expect(pnpmFile).toContain(
      'npm install --global --no-audit --no-fund pnpm@9 && pnpm install --frozen-lockfile',
    );
    expect(pnpmFile).not.toMatch(/COPY package\.json package-lock|npm ci /);
    const workflow = await read(pnpm, '.github/workflows/ci.yml');
    expect(workflow).toContain('pnpm install --frozen-lockfile');
    expect(workflow).toContain('pnpm audit --audit-level high');
    expect(workflow).not.toMatch(/npm ci|cache: npm/);

    const yarn = await repo({ 'package.json': '{"name":"y"}', 'yarn.lock': '# yarn lockfile v1\n' });
    expect((await init(yarn)).status).toBe(0);
    const yarnFile = await read(yarn, 'testing/Dockerfile');
    expect(yarnFile).toMatch(/^COPY package\.json yarn\.lock /m);
    expect(yarnFile).toContain('yarn install --frozen-lockfile');
    expect(await read(yarn, '.github/workflows/ci.yml')).toContain('cache: yarn');
    // The other stages are incluster's own Dockerfile, unchanged.
    const npm = await read(join(import.meta.dirname, '../../..'), 'testing/Dockerfile');
    expect(yarnFile.slice(yarnFile.indexOf('FROM ${BASE_IMAGE} AS runtime'))).toBe(
      npm.slice(npm.indexOf('FROM ${BASE_IMAGE} AS runtime')),
    );
  });

  test('doctor warns when the runner Dockerfile needs a lockfile the project does not have', async () => {
    const dir = await repo({ 'package.json': '{"name":"p"}', 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" });
    const npmDockerfile = await read(join(import.meta.dirname, '../../..'), 'testing/Dockerfile');
    expect(dockerfileMismatch(dir, 'testing/Dockerfile', npmDockerfile)).toBe(
      'testing/Dockerfile copies package-lock.json, which this project does not have (it uses pnpm: pnpm-lock.yaml); the runner image build will fail',
    );
    await init(dir);
    expect(
      dockerfileMismatch(dir, 'testing/Dockerfile', await read(dir, 'testing/Dockerfile')),
    ).toBeUndefined();
    await writeFile(join(dir, 'testing/Dockerfile'), npmDockerfile);
    const doctor = await runCliCaptured(['doctor', '--provider', 'existing', '--json'], {
      cwd: dir,
      env: { ...process.env, KUBECONFIG: join(dir, 'missing-kubeconfig') },
    });
    const report = JSON.parse(doctor.out) as { project: { warnings: { message: string; fix: string }[] } };
    expect(report.project.warnings).toEqual([
      expect.objectContaining({ message: expect.stringContaining('copies package-lock.json') as string }),
    ]);
  });
});

describe('an existing Vitest config is edited, not replaced', { tags: ['001-FR-074'] }, () => {
  test('withRequirements wraps the export; every other line of the user’s stays; the include is read', async () => {
    const dir = await repo({
      'package.json': '{"name":"svc","type":"module"}',
      'vitest.config.ts': USER_VITEST_CONFIG,
      'tests/unit/math.test.ts': "import { test } from 'vitest';\ntest('adds', () => {});\n",
    });
    const result = await init(dir);
    expect(result.status, result.err).toBe(0);
    expect(result.outcome('vitest.config.ts')).toBe('edited');
    expect(result.out).not.toMatch(/^created\s+vitest\.config\.ts/m);
    const edited = await read(dir, 'vitest.config.ts');
    expect(edited).toContain("import { withRequirements } from 'incluster/trace';");
    expect(edited).toMatch(/export default withRequirements\(defineConfig\(\{[\s\S]*\}\), \{\n {2}reporter:/);
    // Removing what init added gives back the user's file.
    const added = new Set([
      "import { withRequirements } from 'incluster/trace';",
      "  reporter: { outputDir: process.env.INCLUSTER_ARTIFACTS_DIR ?? 'test-results' },",
    ]);
    const restored = edited
      .split('\n')
      .filter((line) => !added.has(line))
      .join('\n')
      .replace('withRequirements(defineConfig({', 'defineConfig({')
      .replace('}), {\n});', '});');
    expect(restored).toBe(USER_VITEST_CONFIG);
    // The tests are where Vitest's config says: the example goes there too, and the trace reads it.
    expect(result.outcome('tests/integration/example.test.ts')).toBe('created');
    // trace follows Vitest's config: the generated config does not override the test set.
    expect(parse(await read(dir, 'incluster.config.yaml'))).not.toHaveProperty('trace.tests');
    // Once edited, a second init leaves it.
    expect((await init(dir)).outcome('vitest.config.ts')).toBe('unchanged');
  });

  test('a config init cannot wrap (a function, CommonJS) is left alone, with the exact edit printed', async () => {
    expect(
      addWithRequirements(
        'vitest.config.ts',
        "import { defineConfig } from 'vitest/config';\nexport default defineConfig(() => ({}));\n",
      ),
    ).toMatchObject({ kind: 'manual', reason: 'its default export is not a config object init can wrap' });
    const text = 'module.exports = { test: {} };\n';
    const dir = await repo({ 'vitest.config.cjs': text });
    const result = await init(dir);
    expect(result.status).toBe(1);
    expect(result.outcome('vitest.config.cjs')).toBe('manual');
    expect(result.out).toContain("add `import { withRequirements } from 'incluster/trace';`");
    expect(result.out).toContain('export default withRequirements(<your config object>');
    expect(await read(dir, 'vitest.config.cjs')).toBe(text);
  });

  test('the test locations: a literal include, or where the test files are, or the default', async () => {
    expect(vitestInclude('vitest.config.ts', USER_VITEST_CONFIG)).toEqual(['tests/**/*.test.ts']);
    const noConfig = await repo({
      'src/a.spec.ts': '',
      'spec/b.spec.ts': '',
      'node_modules/x/c.test.ts': '',
    });
    expect(inspectProject(noConfig)).toMatchObject({
      testGlobs: ['spec/**/*.spec.ts', 'src/**/*.spec.ts'],
      exampleTest: 'spec/integration/example.spec.ts',
      integrationDir: 'spec/integration',
    });
    expect(inspectProject(await repo())).toMatchObject({
      testGlobs: ['test/**/*.test.ts'],
      exampleTest: 'test/integration/example.test.ts',
      existingTests: [],
    });
  });
});

describe('the repository stays green on the first day', { tags: ['001-FR-075'] }, () => {
  test('with existing tests, untagged tests do not fail the gate until the team turns it on', async () => {
    const tagged = await repo();
    await init(tagged);
    expect(parse(await read(tagged, 'incluster.config.yaml'))).toMatchObject({
      trace: { allowUntagged: false },
    });

    const untagged = await repo({
      'test/unit/a.test.ts': "import { test } from 'vitest';\ntest('a', () => {});\n",
    });
    await init(untagged);
    const text = await read(untagged, 'incluster.config.yaml');
    expect(text).toMatch(
      /# Tests written before incluster name no requirement yet[\s\S]*allowUntagged: true\n/,
    );
  });

  test('the example integration test runs only inside a pod, and make test-unit leaves its directory out', async () => {
    const dir = await repo({ 'tests/a.test.ts': '' });
    await init(dir);
    const example = await read(dir, 'tests/integration/example.test.ts');
    expect(example).toContain('describe.runIf(process.env.KUBERNETES_SERVICE_HOST)(');
    const dry = await runCommand('make', ['--no-print-directory', '-n', 'test-unit', 'test-integration'], {
      cwd: dir,
    });
    expect(dry.stdout).toContain("npx vitest run --exclude 'tests/integration/**' --exclude 'tests/e2e/**'");
    expect(dry.stdout).toContain('npx incluster run -- tests/integration');
  });
});

describe('credentials stay out of git; the cluster is the project’s', { tags: ['001-FR-076'] }, () => {
  test('.gitignore gains .incluster/ (where providers write admin kubeconfigs)', async () => {
    const dir = await repo({ '.gitignore': 'node_modules\n' });
    await init(dir);
    const ignore = await read(dir, '.gitignore');
    expect(ignore).toMatch(/^\.incluster\/$/m);
    expect(ignore.match(/node_modules/g)).toHaveLength(1);
  });

  test('cluster, namespace, kind cluster and workflow are named after package.json’s name', async () => {
    const dir = await repo({ 'package.json': '{"name":"@acme/Orders_API"}' });
    await init(dir);
    const config = parseConfig(await read(dir, 'incluster.config.yaml'), join(dir, 'incluster.config.yaml'));
    expect(config.cluster.name).toBe('orders-api');
    expect(config.namespace).toBe('orders-api');
    expect(parse(await read(dir, 'testing/k8s/kind-config.yaml'))).toMatchObject({ name: 'orders-api' });
    expect(await read(dir, '.github/workflows/ci.yml')).toContain('CLUSTER_NAME: orders-api\n');
    expect(await read(dir, 'test/integration/example.test.ts')).toContain("?? 'orders-api'");
  });

  test('names are DNS labels, from the directory when package.json has none', () => {
    expect(dnsLabel('My Service!!')).toBe('my-service');
    expect(dnsLabel('-x-')).toBe('x');
    expect(dnsLabel('a'.repeat(80))).toHaveLength(40);
    expect(projectName('/nonexistent/Billing_Service')).toBe('billing-service');
    expect(projectName('/')).toBe('incluster');
  });
});

describe('the Makefile merge', { tags: ['001-FR-077'] }, () => {
  test('targets from an included file are the user’s: no prerequisites are grafted onto them', async () => {
    const dir = await repo({
      Makefile: 'include mk/*.mk\n-include missing.mk\n\nbuild:\n\techo build\n',
      'mk/test.mk': 'test:\n\techo their test\n',
    });
    const first = await init(dir);
    expect(first.status).toBe(0);
    expect(first.outcome('Makefile')).toBe('appended');
    expect(first.out).toContain('targets this Makefile (or mk/test.mk) defines, left as they are: test');
    const dry = await runCommand('make', ['--no-print-directory', '-n', 'test'], { cwd: dir });
    expect(dry.stdout).toBe('echo their test\n');
  });

  test('a user’s test: target: appended once, unchanged after, and --force exits 0 and keeps it', async () => {
    const makefile = 'test:\n\tnpm test\n';
    const dir = await repo({ Makefile: makefile });
    expect((await init(dir)).outcome('Makefile')).toBe('appended');
    const merged = await read(dir, 'Makefile');
    const second = await init(dir);
    expect(second.status).toBe(0);
    expect(second.outcome('Makefile')).toBe('unchanged');
    expect(await read(dir, 'Makefile')).toBe(merged);
    const forced = await init(dir, '--force');
    expect(forced.status).toBe(0);
    expect(await read(dir, 'Makefile')).toBe(merged);
    expect(merged.startsWith(makefile)).toBe(true);
    const dry = await runCommand('make', ['--no-print-directory', '-n', 'test'], { cwd: dir });
    expect(dry.stdout).toBe('npm test\n');
  });

  test('init ends by listing what it changed and the next command', async () => {
    const dir = await repo({ Makefile: 'build:\n\ttrue\n' });
    const first = await init(dir);
    expect(first.out).toMatch(
      /^Changed \d+ file\(s\): .*incluster\.config\.yaml \(created\).*Makefile \(appended\)/m,
    );
    expect(first.out).toMatch(/^Next command: npx incluster up$/m);
    const second = await init(dir);
    expect(second.out).toContain('Nothing changed: the repository already has everything init writes.');
    expect(second.out).toMatch(/^Next command: npx incluster up$/m);
  });
});
