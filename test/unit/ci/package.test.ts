// The package as it is published: what `npm pack` builds and ships, the Node.js it claims to need
// (read from the installed dependency tree, so `engines` cannot drift from what undici & co. need),
// and the peers and types a user's project resolves.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, test } from 'vitest';
import { minimumNode, nodeVersionProblem, requiredNode } from '../../../src/cli/node-version.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { copySourceFiles } from '../../../scripts/copy-source-files.ts';

const root = resolve(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Manifest {
  name: string;
  license?: string;
  engines?: { node?: string };
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifest = JSON.parse(read('package.json')) as Manifest;
const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { dev?: boolean; optional?: boolean; os?: string[]; cpu?: string[] }>;
};

/** `engines.node` of every package a user installs with incluster (the lockfile's non-dev entries). */
function productionEngines(): { name: string; range: string }[] {
  const out: { name: string; range: string }[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || entry.dev) continue;
    const file = join(root, path, 'package.json');
    // Optional packages for another platform are not installed here (and not for that user either).
    if (!existsSync(file)) continue;
    const range = (JSON.parse(readFileSync(file, 'utf8')) as Manifest).engines?.node;
    if (range) out.push({ name: path.slice('node_modules/'.length), range });
  }
  return out;
}

describe('engines: the Node.js the dependency tree needs', { tags: ['001-FR-071'] }, () => {
  const range = manifest.engines?.node ?? '';
  const minimum = minimumNode(range);

  test('engines.node is a plain minimum the start-up check understands', () => {
    expect(range).toMatch(/^>=\d+\.\d+$/);
    expect(minimum).toBeDefined();
  });

  test('every installed production dependency accepts that minimum, and it is no higher than one needs', () => {
    const version = minimum!.join('.');
    const engines = productionEngines();
    expect(engines.length).toBeGreaterThan(10);
    const refusing = engines.filter((e) => !semver.satisfies(version, e.range));
    expect(refusing, `packages that refuse Node ${version}`).toEqual([]);
    // One minor lower, some package (today undici 8) refuses: engines says exactly what is needed.
    const lower = `${minimum![0]}.${minimum![1] - 1}.0`;
    expect(engines.filter((e) => !semver.satisfies(lower, e.range)).map((e) => e.name)).not.toEqual([]);
    // Vitest, the peer, accepts it too.
    const vitest = JSON.parse(read('node_modules/vitest/package.json')) as Manifest;
    expect(semver.satisfies(version, vitest.engines!.node!)).toBe(true);
  });

  test('scripts/env.sh installs Node.js below the same threshold, and .nvmrc satisfies it', () => {
    const envSh = read('scripts/env.sh');
    const check = /a>(\d+)\|\|\(a===(\d+)&&b>=(\d+)\)/.exec(envSh);
    expect(check, 'the version test in env.sh').not.toBeNull();
    expect([Number(check![2]), Number(check![3])]).toEqual([minimum![0], minimum![1]]);
    expect(Number(check![1])).toBe(minimum![0]);
    expect(envSh).toContain(`older than ${minimum![0]}.${minimum![1]}`);
    expect(semver.satisfies(semver.coerce(read('.nvmrc'))!.version, range)).toBe(true);
  });

  test('the start-up check names the Node.js found and the one needed', () => {
    expect(requiredNode(root)).toBe(range);
    expect(nodeVersionProblem('22.12.0', '>=22.19')).toBe(
      'incluster needs Node.js 22.19.0 or newer (package.json engines: >=22.19), but this is Node.js 22.12.0',
    );
    expect(nodeVersionProblem('v20.19.5', '>=22.19')).toContain('this is Node.js 20.19.5');
    for (const ok of ['22.19.0', '22.20.1', '24.0.0', '26.1.0'])
      expect(nodeVersionProblem(ok, '>=22.19'), ok).toBeUndefined();
  });

  test(
    'the CLI refuses a too-old Node.js before loading anything, with exit status 3',
    { timeout: 60_000 },
    async () => {
      // The real entry point, with the running Node.js pretending to be 22.12 (what undici 8 breaks on).
      const result = await runCommand(
        process.execPath,
        [
          '--import',
          `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'22.12.0'})`,
          join(root, 'src/cli/main.ts'),
          '--version',
        ],
        { allowFailure: true },
      );
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain(
        'incluster needs Node.js 22.19.0 or newer (package.json engines: >=22.19), but this is Node.js 22.12.0',
      );
      expect(result.stdout).toBe('');
    },
  );
});

describe('what npm pack ships', { tags: ['001-FR-070'] }, () => {
  test('dist/ is built by prepack, from a clean dist/', () => {
    expect(manifest.scripts?.prepack).toBe('npm run build');
    expect(manifest.scripts?.build).toMatch(
      /rmSync\('dist'.*&& tsc -p tsconfig\.build\.json && node scripts\/copy-source-files\.ts$/,
    );
    expect(manifest.files).toContain('dist');
  });

  test(
    'the files of other languages that modules read (pause.c, Dockerfiles, scripts) are packed beside them in dist/',
    { timeout: 60_000 },
    async () => {
      // The package as the build leaves it, without compiling: its manifest, and dist/ with what
      // the build's copy step puts there; `npm pack --dry-run` then lists what would be published.
      const pkg = await mkdtemp(join(tmpdir(), 'incluster-pack-'));
      try {
        await writeFile(join(pkg, 'package.json'), read('package.json'));
        const copied = copySourceFiles(join(root, 'src'), join(pkg, 'dist'));
        expect(copied).toContain('cluster/images/recipes/pause/pause.c');
        const packed = await runCommand('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
          cwd: pkg,
        });
        const [listing] = JSON.parse(packed.stdout) as [{ files: { path: string }[] }];
        const paths = listing.files.map((file) => file.path);
        expect(copied.map((file) => `dist/${file}`).filter((file) => !paths.includes(file))).toEqual([]);
      } finally {
        await rm(pkg, { recursive: true, force: true });
      }
    },
  );

  test('no source maps: the sources they would point to are not shipped', () => {
    const build = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: Record<string, unknown> };
    expect(manifest.files).not.toContain('src');
    expect(build.compilerOptions.sourceMap).toBe(false);
    expect(build.compilerOptions.declarationMap ?? false).toBe(false);
    expect(build.compilerOptions.inlineSourceMap ?? false).toBe(false);
  });

  test('a LICENSE file with the license package.json names', () => {
    expect(manifest.license).toBe('Apache-2.0');
    const license = read('LICENSE');
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
  });
});

describe('peers and public types', { tags: ['001-FR-072'] }, () => {
  test('vitest is a peer (the user’s own), not a dependency', () => {
    expect(manifest.peerDependencies?.vitest).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(manifest.dependencies?.vitest).toBeUndefined();
    const installed = (JSON.parse(read('node_modules/vitest/package.json')) as { version: string }).version;
    expect(semver.satisfies(installed, manifest.peerDependencies!.vitest!)).toBe(true);
  });

  test('a type package is a dependency for every module the public declarations import', () => {
    // The PostgreSQL fixture's types name pg's Client: without @types/pg a user's tsc fails (TS7016).
    expect(read('src/vitest/postgres.ts')).toMatch(/from 'pg'/);
    expect(manifest.dependencies?.pg).toBeDefined();
    expect(manifest.dependencies?.['@types/pg']).toBeDefined();
    expect(manifest.devDependencies?.['@types/pg']).toBeUndefined();
  });
});
