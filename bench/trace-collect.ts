// Benchmark: collecting 10,000 tests in 500 generated files, `incluster trace` (static parse with
// oxc, no imports) against `vitest list` on the same files (its static parse, the default, and with
// --no-static-parse, which imports every file). Prints medians and ratios measured in the same run.
// The CLI measured is the built one (`npm run build`, what the package's bin runs): cold
// (`--no-cache`: every file parsed) and warm (the collection cache of the previous run, as after an
// edit-free re-run), plus the CLI from its TypeScript sources, cold. Every test has a body of 4 to
// 8 lines, as real tests do: the parser pays for bodies even though the collector skips them.
// The import-based `vitest list --no-static-parse` takes minutes; it runs only with --with-import.
//   node bench/trace-collect.ts [--runs N] [--keep] [--with-import]
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCommand } from '../src/process/exec.ts';

const FILES = 500;
const TESTS_PER_FILE = 20;
const repo = resolve(import.meta.dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const only = process.argv.includes('--generate-only');
const keep = process.argv.includes('--keep');
const withImport = process.argv.includes('--with-import');

function id(n: number): string {
  return `001-FR-${String(n).padStart(3, '0')}`;
}

/** A body of 4 to 8 lines: arrange, act, assert, as a real test is written. */
function body(n: number, indent: string): string[] {
  const lines = [
    `const input = { id: ${n}, name: 'item-${n}', tags: ['a', 'b'] };`,
    'const result = { ...input, total: input.id * 2 };',
    `expect(result.total).toBe(${n * 2});`,
    'expect(result.name).toMatch(/^item-/);',
    'expect(result.tags).toHaveLength(2);',
    "expect(Object.keys(result)).toContain('total');",
    'expect(result).toMatchObject({ id: input.id });',
    'expect(JSON.stringify(result)).toContain(String(input.id));',
  ];
  return lines.slice(0, 4 + (n % 5)).map((line) => indent + line);
}

/** One generated test file: nested describes, constants, .each, .skip, an extended test. */
function testFile(index: number): string {
  const lines = [
    "import { describe, expect, test } from 'vitest';",
    "import { it } from './fixtures.ts';",
    `const SUITE_IDS = ['${id((index % 50) + 1)}'];`,
    `describe('module ${index}', { tags: SUITE_IDS }, () => {`,
  ];
  for (let group = 0; group < 4; group += 1) {
    lines.push(`  describe('group ${group}', () => {`);
    for (let t = 0; t < TESTS_PER_FILE / 4; t += 1) {
      const n = group * 5 + t;
      const tag = `{ tags: ['${id(((index + n) % 50) + 1)}'] }`;
      const open = {
        each: `    test.each([1, 2])('case ${n} %i', ${tag}, (x) => {`,
        skip: `    test.skip('case ${n}', ${tag}, () => {`,
        extended: `    it('case ${n}', ${tag}, ({ value }) => {`,
        test: `    test('case ${n}', ${tag}, () => {`,
      }[kindOf(n)];
      lines.push(open, ...body(n, '      '), '    });');
    }
    lines.push('  });');
  }
  lines.push('});', '');
  return lines.join('\n');
}

async function generate(dir: string): Promise<void> {
  await mkdir(join(dir, 'test'), { recursive: true });
  await mkdir(join(dir, 'specs/001-bench'), { recursive: true });
  // Only vitest is linked, so the trace's cache lands in this project's own node_modules.
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(repo, 'node_modules/vitest'), join(dir, 'node_modules/vitest'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  const ids = Array.from({ length: 50 }, (_, i) => id(i + 1));
  await writeFile(
    join(dir, 'specs/001-bench/spec.md'),
    ids.map((i) => `- **${i}** Requirement ${i}.`).join('\n') + '\n',
  );
  await writeFile(
    join(dir, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { include: ['test/**/*.test.ts'], strictTags: true, tags: ${JSON.stringify(ids.map((name) => ({ name })))} } });\n`,
  );
  await writeFile(
    join(dir, 'test/fixtures.ts'),
    "import { test } from 'vitest';\nexport const it = test.extend<{ value: number }>({ value: 1 });\n",
  );
  await Promise.all(
    Array.from({ length: FILES }, (_, i) => writeFile(join(dir, `test/f${i}.test.ts`), testFile(i))),
  );
}

/** The generated declaration `n` of a file: which API declares it (see testFile). */
function kindOf(n: number): 'each' | 'skip' | 'extended' | 'test' {
  return n % 7 === 3 ? 'each' : n % 11 === 5 ? 'skip' : n % 5 === 1 ? 'extended' : 'test';
}

/**
 * How many tests each tool reports for the generated suite, derived from the generator: the trace
 * counts declarations; `vitest list` counts run-time tests (two per `.each` row list), leaves out
 * `.skip`ped ones, and its static parse does not see tests of an extended test imported from
 * another module (the import-based list does).
 */
function expectedTests(tool: 'trace' | 'list-static' | 'list-import'): number {
  let perFile = 0;
  for (let n = 0; n < TESTS_PER_FILE; n += 1) {
    const kind = kindOf(n);
    if (tool === 'trace') perFile += 1;
    else if (kind === 'each') perFile += 2;
    else if (kind === 'test' || (kind === 'extended' && tool === 'list-import')) perFile += 1;
  }
  return perFile * FILES;
}

interface Candidate {
  name: string;
  command: string[];
  /** Counts the tests the command reported, to check every candidate saw the same suite. */
  count(stdout: string): number;
  /** What `count` must give (see expectedTests): a different number means it measured something else. */
  tests: number;
  /** Measured once: too slow to repeat. */
  once?: boolean;
}

interface Sample {
  wallMs: number;
  /** User + system CPU time of the child, from /usr/bin/time: steadier than wall time on a busy machine. */
  cpuMs: number;
  tests: number;
}

async function measure(dir: string, candidate: Candidate): Promise<Sample> {
  const started = performance.now();
  const result = await runCommand('/usr/bin/time', ['-f', 'cpu %U %S', ...candidate.command], {
    cwd: dir,
    allowFailure: true,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CI: '1' },
  });
  const wallMs = performance.now() - started;
  // Every candidate must succeed (the generated suite passes the trace gate) and report the suite
  // it was given: a failed or partial run would time something else.
  if (result.exitCode !== 0)
    throw new Error(`${candidate.name} exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
  const tests = candidate.count(result.stdout);
  if (tests !== candidate.tests)
    throw new Error(`${candidate.name} reported ${tests} tests, expected ${candidate.tests}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN;
  return { wallMs, cpuMs, tests };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const dir = await mkdtemp(join(tmpdir(), 'incluster-bench-trace-'));
try {
  await generate(dir);
  if (only) {
    console.log(dir);
    process.exit(0);
  }
  const vitestBin = join(repo, 'node_modules/vitest/vitest.mjs');
  // tsc emits despite type errors elsewhere in the tree (work in progress of others); what matters
  // here is that the CLI was built from the current sources, and the candidates' test counts check it runs.
  const build = await runCommand('npm', ['run', '--silent', 'build'], { cwd: repo, allowFailure: true });
  if (build.exitCode !== 0)
    console.error(`npm run build reported errors; measuring what it emitted:\n${build.stdout.slice(-1000)}`);
  const built = join(repo, 'dist/cli/main.js');
  const traceCount = (out: string) => Number(/Tests +(\d+) in/.exec(out)?.[1]);
  const all: Candidate[] = [
    {
      name: 'incluster trace, cold (--no-cache)',
      command: [process.execPath, built, 'trace', '--no-cache'],
      count: traceCount,
      tests: expectedTests('trace'),
    },
    {
      name: 'incluster trace, warm (cache)',
      command: [process.execPath, built, 'trace'],
      count: traceCount,
      tests: expectedTests('trace'),
    },
    {
      name: 'incluster trace, sources, cold',
      command: [process.execPath, join(repo, 'src/cli/main.ts'), 'trace', '--no-cache'],
      count: traceCount,
      tests: expectedTests('trace'),
    },
    {
      name: 'trace API (traceProject, no CLI), cold',
      command: [process.execPath, join(repo, 'bench/trace-api-run.ts')],
      count: (out) => (JSON.parse(out) as { tests: number }).tests,
      tests: expectedTests('trace'),
    },
    {
      name: 'vitest list --json (static parse, default)',
      command: [process.execPath, vitestBin, 'list', '--json'],
      count: (out) => (JSON.parse(out) as unknown[]).length,
      tests: expectedTests('list-static'),
    },
    {
      name: 'vitest list --json --no-static-parse',
      command: [process.execPath, vitestBin, 'list', '--json', '--no-static-parse'],
      count: (out) => (JSON.parse(out) as unknown[]).length,
      tests: expectedTests('list-import'),
      once: true,
    },
  ];
  const candidates = all.filter((c) => withImport || !c.name.includes('--no-static-parse'));
  const samples = new Map<string, Sample[]>(candidates.map((c) => [c.name, []]));
  // Fills the collection cache the warm candidate reuses.
  await measure(dir, candidates[1]!);
  // Interleaved, so a busy machine slows every candidate alike.
  for (let run = 0; run < runs; run += 1) {
    for (const candidate of candidates) {
      if (candidate.once && run > 0) continue;
      samples.get(candidate.name)!.push(await measure(dir, candidate));
    }
  }
  const stats = (name: string) => {
    const list = samples.get(name)!;
    return {
      wall: median(list.map((s) => s.wallMs)),
      cpu: median(list.map((s) => s.cpuMs)),
      tests: list[0]!.tests,
    };
  };
  const baseline = stats(candidates[0]!.name);
  console.log(
    `${FILES} files, ${FILES * TESTS_PER_FILE} test declarations; median of ${runs} interleaved runs`,
  );
  console.log(
    `${'command'.padEnd(44)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}  tests  wall ratio  cpu ratio (vs incluster trace, cold)`,
  );
  for (const candidate of candidates) {
    const s = stats(candidate.name);
    console.log(
      `${candidate.name.padEnd(44)} ${(s.wall / 1000).toFixed(2).padStart(7)}s ${(s.cpu / 1000).toFixed(2).padStart(7)}s  ${String(s.tests).padStart(5)}  ${(s.wall / baseline.wall).toFixed(1).padStart(9)}x ${(s.cpu / baseline.cpu).toFixed(1).padStart(9)}x`,
    );
  }
  const list = stats('vitest list --json (static parse, default)');
  const warm = stats(candidates[1]!.name);
  const coldRatio = list.wall / baseline.wall;
  const warmRatio = list.wall / warm.wall;
  console.log(
    `goal (>= 5x faster than vitest list cold, >= 10x warm): cold ${(baseline.wall / 1000).toFixed(2)} s, ${coldRatio.toFixed(1)}x (${coldRatio >= 5 ? 'met' : 'NOT met'}); warm ${(warm.wall / 1000).toFixed(2)} s, ${warmRatio.toFixed(1)}x (${warmRatio >= 10 ? 'met' : 'NOT met'}); CPU ${(list.cpu / baseline.cpu).toFixed(1)}x cold, ${(list.cpu / warm.cpu).toFixed(1)}x warm`,
  );
} finally {
  if (keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
