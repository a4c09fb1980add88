// The published package in real repositories. incluster is packed the way a release is, from a clean
// clone (`npm pack` runs prepack, which builds dist/), served over HTTP on 127.0.0.1 like a registry
// tarball, and installed into scratch repositories of four kinds: an empty one; an existing Vitest
// repository with its own vitest.config.ts, tests under tests/ and a Makefile with `test:`; a pnpm
// repository; a yarn (1) repository. In each, `init` exits 0 without a conflict, the repository's own
// test command and `make test-unit` stay green, `incluster trace` passes on the first day and once
// the tests are tagged with strictness on, and a second `init` changes nothing. `incluster run` in
// the shared local cluster (JUnit copied out) is exercised for the existing Vitest repository (npm),
// the pnpm one and the yarn one, each with the runner Dockerfile init wrote for its package manager
// (each run builds a runner image, a minute or two on 2 cores); the empty repository's run is
// init-run.test.ts's.
//
// The clone shares the checkout's node_modules (a symlink) instead of installing the development
// dependencies again: what is packed is the clone's committed sources, built by its own prepack.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCommand, type RunResult } from '../../../src/process/exec.ts';
import type { RunReport } from '../../../src/runner/report.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
/** The shared local cluster the integration suite runs on (test/integration/global-setup.ts). */
const SHARED_CLUSTER = 'floe-test';
const PNPM = 'pnpm@9.15.9';
const YARN = 'yarn@1.22.22';
/** Vitest's peer; yarn 1 installs no peers, so a yarn 1 project lists it itself. */
const VITE = 'vite@^8.0.0';

const work = { dir: '', tarball: '', url: '', vitest: '', packed: [] as string[] };
let server: Server | undefined;

/** The environment a user's shell would have: none of the outer Vitest's, make's or npm's variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(VITEST|npm_|MAKE|MFLAGS$|NODE_ENV$|TEST$|INIT_CWD$|PNPM_|YARN_)/.test(key)) env[key] = value;
  env.NO_COLOR = '1';
  return env;
}

/** Runs a command; never throws, so the assertion can show its output. */
async function sh(cwd: string, file: string, args: string[], timeoutMs = 300_000): Promise<RunResult> {
  return runCommand(file, args, {
    cwd,
    env: userEnv(),
    timeoutMs,
    allowFailure: true,
    maxBuffer: 4 << 20,
  }).catch((error: unknown) => {
    const failure = error as Partial<RunResult> & Error;
    return {
      command: `${file} ${args.join(' ')}`,
      exitCode: -1,
      signal: null,
      stdout: failure.stdout ?? '',
      stderr: `${failure.stderr ?? ''}\n${failure.message}`,
    } satisfies RunResult;
  });
}

function explain(result: RunResult): string {
  const tail = (text: string) => text.trimEnd().split('\n').slice(-40).join('\n');
  return `\`${result.command}\` exited ${result.exitCode}\n--- stderr (tail) ---\n${tail(result.stderr)}\n--- stdout (tail) ---\n${tail(result.stdout)}`;
}

function ok(result: RunResult): RunResult {
  expect(result.exitCode, explain(result)).toBe(0);
  return result;
}

/** Every file of the repository but .git, node_modules and test results. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name).slice(dir.length + 1);
    if (/^(\.git|node_modules|test-results|\.incluster)(\/|$)/.test(path)) continue;
    files[path] = await readFile(join(dir, path), 'utf8');
  }
  return files;
}

async function serve(file: string): Promise<string> {
  const data = await readFile(file);
  const path = `/incluster-${createHash('sha256').update(data).digest('hex').slice(0, 16)}.tgz`;
  server = createServer((request, response) => {
    if (request.url !== path) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    response.end(data);
  });
  const port = await new Promise<number>((done, fail) => {
    server!.once('error', fail);
    server!.listen(0, '127.0.0.1', () => done((server!.address() as { port: number }).port));
  });
  return `http://127.0.0.1:${port}${path}`;
}

beforeAll(async () => {
  work.dir = await mkdtemp(join(tmpdir(), 'incluster-pack-adopt-'));
  const clone = join(work.dir, 'clone');
  ok(await sh(work.dir, 'git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone]));
  expect(existsSync(join(clone, 'dist')), 'a clean clone has no dist/').toBe(false);
  await symlink(join(repoRoot, 'node_modules'), join(clone, 'node_modules'));
  const packed = ok(await sh(clone, 'npm', ['pack', '--json', '--pack-destination', work.dir], 300_000));
  const [{ filename, files }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [
    { filename: string; files: { path: string }[] },
  ];
  work.tarball = join(work.dir, filename);
  work.packed = files.map((f) => f.path);
  work.url = await serve(work.tarball);
  const manifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  work.vitest = `vitest@${manifest.devDependencies.vitest}`;
}, 600_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  if (work.dir) await rm(work.dir, { recursive: true, force: true });
});

test(
  'the tarball is built by prepack from a clean clone: dist/, LICENSE, no source maps, no sources',
  { tags: ['001-FR-070'] },
  () => {
    const paths = work.packed;
    expect(paths).toContain('dist/cli/main.js');
    expect(paths).toContain('dist/index.d.ts');
    expect(paths).toContain('dist/trace/index.js');
    expect(paths).toContain('LICENSE');
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('src/'))).toEqual([]);
  },
);

interface Kind {
  label: string;
  /** Files of the repository before incluster. */
  files: Record<string, string>;
  /** Installs incluster and vitest as development dependencies. */
  install: (dir: string) => Promise<RunResult>;
  /** The repository's own test command. */
  test: (dir: string) => Promise<RunResult>;
  /** Its pre-existing test file, tagged later with 001-FR-002. */
  userTest?: string;
  /** Where init puts the example integration test. */
  integrationDir: string;
  /** Runs in the shared cluster. */
  cluster: boolean;
}

const npx = (dir: string, pkg: string, args: string[]) => sh(dir, 'npx', ['--yes', pkg, ...args]);
const MATH_TEST =
  "import { expect, test } from 'vitest';\nimport { add } from '../../src/math.ts';\n\ntest('adds', () => {\n  expect(add(1, 2)).toBe(3);\n});\n";

const KINDS: Kind[] = [
  {
    label: 'an empty repository',
    files: {
      'package.json': '{ "name": "empty-repo", "version": "1.0.0", "private": true, "type": "module" }\n',
    },
    install: (dir) =>
      sh(dir, 'npm', ['install', '--save-dev', '--no-audit', '--no-fund', work.url, work.vitest]),
    test: (dir) => sh(dir, 'npx', ['vitest', 'run', '--passWithNoTests']),
    integrationDir: 'test/integration',
    cluster: false,
  },
  {
    label: 'an existing Vitest repository (tests/, its own vitest.config.ts and `make test`)',
    files: {
      'package.json':
        '{ "name": "orders-service", "version": "1.0.0", "private": true, "type": "module", "scripts": { "test": "vitest run" } }\n',
      'vitest.config.ts':
        "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: { include: ['tests/**/*.test.ts'], testTimeout: 30_000 },\n});\n",
      'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
      'tests/unit/math.test.ts': MATH_TEST,
      Makefile: 'test:\n\tnpm test\n',
      // The public types resolve with only incluster and vitest installed (pg's types come with incluster).
      'types/check.ts':
        "import { clusterTest } from 'incluster';\nimport { withRequirements } from 'incluster/trace';\n\nclusterTest('typed', async ({ postgres }) => {\n  // @ts-expect-error postgres.client is pg's Client, not any\n  postgres.client.noSuchMethod();\n});\nexport default withRequirements({});\n",
      'types/tsconfig.json':
        '{ "compilerOptions": { "module": "nodenext", "target": "es2022", "strict": true, "noEmit": true, "skipLibCheck": true, "types": [] }, "files": ["check.ts"] }\n',
    },
    install: (dir) =>
      sh(dir, 'npm', ['install', '--save-dev', '--no-audit', '--no-fund', work.url, work.vitest]),
    test: (dir) => sh(dir, 'npm', ['test']),
    userTest: 'tests/unit/math.test.ts',
    integrationDir: 'tests/integration',
    cluster: true,
  },
  {
    label: 'a pnpm repository',
    files: {
      'package.json': `{ "name": "pnpm-repo", "version": "1.0.0", "private": true, "type": "module", "packageManager": "${PNPM}", "scripts": { "test": "vitest run" } }\n`,
      'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
      'test/unit/math.test.ts': MATH_TEST,
    },
    install: (dir) => npx(dir, PNPM, ['add', '--save-dev', work.url, work.vitest]),
    test: (dir) => npx(dir, PNPM, ['test']),
    userTest: 'test/unit/math.test.ts',
    integrationDir: 'test/integration',
    cluster: true,
  },
  {
    label: 'a yarn repository',
    files: {
      'package.json':
        '{ "name": "yarn-repo", "version": "1.0.0", "private": true, "type": "module", "scripts": { "test": "vitest run" } }\n',
      'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
      'test/unit/math.test.ts': MATH_TEST,
      'yarn.lock':
        '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n',
    },
    install: (dir) => npx(dir, YARN, ['add', '--dev', '--non-interactive', work.url, work.vitest, VITE]),
    test: (dir) => npx(dir, YARN, ['test']),
    userTest: 'test/unit/math.test.ts',
    integrationDir: 'test/integration',
    cluster: true,
  },
];

describe.each(KINDS)('$label', { tags: ['001-FR-042', '001-FR-073', '001-FR-075'] }, (kind) => {
  const state = { dir: '', installed: false, init: false };

  beforeAll(async () => {
    expect(work.url, 'packing incluster failed (see the first beforeAll)').not.toBe('');
    state.dir = join(work.dir, kind.label.split(' ')[1]!.replace(/\W/g, '') || 'repo');
    await mkdir(state.dir, { recursive: true });
    ok(await sh(state.dir, 'git', ['init', '--quiet', '--initial-branch=main']));
    for (const [path, content] of Object.entries(kind.files)) {
      await mkdir(join(state.dir, path, '..'), { recursive: true });
      await writeFile(join(state.dir, path), content);
    }
    ok(await kind.install(state.dir));
    state.installed = true;
  }, 600_000);

  test(
    '`npx incluster init` exits 0 with no conflict, and says what it changed',
    { tags: ['001-FR-074', '001-FR-077'] },
    async () => {
      expect(state.installed, 'installing incluster failed (see beforeAll)').toBe(true);
      const init = ok(await sh(state.dir, 'npx', ['incluster', 'init']));
      expect(init.stdout, explain(init)).not.toMatch(/^(conflict|manual) /m);
      expect(init.stdout).toMatch(/^Changed \d+ file\(s\): /m);
      expect(init.stdout).toMatch(/^Next command: npx incluster up$/m);
      expect(init.stdout).toMatch(new RegExp(`^created\\s+${kind.integrationDir}/example\\.test\\.ts`, 'm'));
      if (kind.files['vitest.config.ts']) expect(init.stdout).toMatch(/^edited\s+vitest\.config\.ts/m);
      if (kind.files.Makefile) expect(init.stdout).toMatch(/^appended\s+Makefile .*left as they are: test/m);
      expect(await readFile(join(state.dir, '.gitignore'), 'utf8')).toMatch(/^\.incluster\/$/m);
      state.init = true;
      // A second init changes nothing.
      const before = await snapshot(state.dir);
      const again = ok(await sh(state.dir, 'npx', ['incluster', 'init']));
      expect(again.stdout, explain(again)).toContain('Nothing changed');
      expect(await snapshot(state.dir)).toEqual(before);
    },
  );

  test(
    'its own test command and `make test-unit` stay green; trace passes on day one',
    { tags: ['001-FR-040', '001-FR-035'] },
    async () => {
      expect(state.init, 'init failed above').toBe(true);
      const own = ok(await kind.test(state.dir));
      const unit = ok(await sh(state.dir, 'make', ['--no-print-directory', 'test-unit']));
      if (kind.userTest) expect(unit.stdout, explain(unit)).toContain(kind.userTest.split('/').pop());
      expect(unit.stdout).not.toContain('example.test.ts');
      // Outside the cluster the example test is skipped, not failed.
      expect(own.stdout + own.stderr, explain(own)).not.toMatch(/ENOTFOUND|failed/i);
      const trace = ok(await sh(state.dir, 'npx', ['incluster', 'trace']));
      if (kind.userTest) expect(trace.stdout, explain(trace)).toMatch(/, [1-9]\d* untagged/);
      if (kind.files['types/check.ts'])
        ok(await sh(join(state.dir, 'types'), join(repoRoot, 'node_modules/.bin/tsc'), ['-p', '.']));
    },
  );

  test.runIf(kind.cluster)(
    '`incluster run` passes in the local cluster, JUnit copied out',
    { tags: ['001-FR-010', '001-FR-014'], timeout: 900_000 },
    async () => {
      expect(state.init, 'init failed above').toBe(true);
      // The shared cluster of the integration suite, instead of one named after the project.
      const file = join(state.dir, 'incluster.config.yaml');
      const config = await readFile(file, 'utf8');
      await writeFile(
        file,
        config
          .replace(/^ {2}name: .*$/m, `  name: ${SHARED_CLUSTER}`)
          .replace(/^namespace: .*$/m, `namespace: ${SHARED_CLUSTER}`),
      );
      const run = await sh(
        state.dir,
        'npx',
        ['incluster', 'run', '--provider', 'local', '--json', '--', kind.integrationDir],
        840_000,
      );
      ok(run);
      const report = JSON.parse(run.stdout) as RunReport;
      expect(report, explain(run)).toMatchObject({ outcome: 'passed', exitStatus: 0 });
      expect(report.tests).toMatchObject({ tests: 1, failures: 0, errors: 0 });
      const junit = await readFile(join(state.dir, 'test-results', report.runId, 'junit.xml'), 'utf8');
      expect(junit).toContain('PostgreSQL resolves through cluster DNS and accepts connections');
      expect(junit).toContain('<property name="requirements" value="001-FR-001"/>');
    },
  );

  test(
    'once the tests are tagged and strictness is on, `incluster trace` passes; init keeps the user’s edits',
    { tags: ['001-FR-035', '001-FR-077'] },
    async () => {
      expect(state.init, 'init failed above').toBe(true);
      if (kind.userTest) {
        const spec = join(state.dir, 'specs/001-example/spec.md');
        await writeFile(spec, `${await readFile(spec, 'utf8')}- **001-FR-002** Numbers add up.\n`);
        const path = join(state.dir, kind.userTest);
        await writeFile(
          path,
          (await readFile(path, 'utf8')).replace("test('adds', ", "test('adds', { tags: ['001-FR-002'] }, "),
        );
      }
      const file = join(state.dir, 'incluster.config.yaml');
      await writeFile(
        file,
        (await readFile(file, 'utf8')).replace('allowUntagged: true', 'allowUntagged: false'),
      );
      const trace = ok(await sh(state.dir, 'npx', ['incluster', 'trace']));
      expect(trace.stdout, explain(trace)).toMatch(/, 0 untagged/);
      ok(await kind.test(state.dir));
      // The user's edits (config, spec) are theirs: a third init keeps them and still exits 0.
      const third = ok(await sh(state.dir, 'npx', ['incluster', 'init']));
      if (kind.userTest || kind.cluster) expect(third.stdout).toMatch(/^kept\s+incluster\.config\.yaml/m);
      expect(await readFile(file, 'utf8')).toContain('allowUntagged: false');
    },
  );
});
