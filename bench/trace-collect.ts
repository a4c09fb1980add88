// Benchmark: collecting 10,000 tests in 500 generated files, `incluster trace` (static parse with
// oxc, no imports) against `vitest list` on the same files (its static parse, the default, and with
// --no-static-parse, which imports every file). Prints medians and ratios measured in the same run.
// The CLI measured is the built one (`npm run build`, what the package's bin runs): cold
// (`--no-cache`: every file parsed) and warm (the collection cache of the previous run, as after an
// edit-free re-run), plus the CLI from its TypeScript sources, cold.
//   node bench/trace-collect.ts [--runs N] [--keep]
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

function id(n: number): string {
  return `001-FR-${String(n).padStart(3, '0')}`;
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
      if (n % 7 === 3)
        lines.push(`    test.each([1, 2])('case ${n} %i', ${tag}, (x) => expect(x).toBeGreaterThan(0));`);
      else if (n % 11 === 5) lines.push(`    test.skip('case ${n}', ${tag}, () => expect(1).toBe(1));`);
      else if (n % 5 === 1) lines.push(`    it('case ${n}', ${tag}, ({ value }) => expect(value).toBe(1));`);
      else
        lines.push(
          `    test('case ${n}', ${tag}, () => {`,
          `      const value: number = ${n};`,
          `      expect(value + 1).toBe(${n + 1});`,
          '    });',
        );
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

interface Candidate {
  name: string;
  command: string[];
  /** Counts the tests the command reported, to check every candidate saw the same suite. */
  count(stdout: string): number;
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
  if (result.exitCode !== 0 && !candidate.name.startsWith('incluster trace'))
    throw new Error(`${candidate.name} exited ${result.exitCode}: ${result.stderr.slice(-2000)}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : Number.NaN;
  return { wallMs, cpuMs, tests: candidate.count(result.stdout) };
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
  await runCommand('npm', ['run', '--silent', 'build'], { cwd: repo });
  const built = join(repo, 'dist/cli/main.js');
  const traceCount = (out: string) => Number(/Tests +(\d+) in/.exec(out)?.[1]);
  const candidates: Candidate[] = [
    {
      name: 'incluster trace, cold (--no-cache)',
      command: [process.execPath, built, 'trace', '--no-cache'],
      count: traceCount,
    },
    {
      name: 'incluster trace, warm (cache)',
      command: [process.execPath, built, 'trace'],
      count: traceCount,
    },
    {
      name: 'incluster trace, sources, cold',
      command: [process.execPath, join(repo, 'src/cli/main.ts'), 'trace', '--no-cache'],
      count: traceCount,
    },
    {
      name: 'trace API (traceProject, no CLI), cold',
      command: [process.execPath, join(repo, 'bench/trace-api-run.ts')],
      count: (out) => (JSON.parse(out) as { tests: number }).tests,
    },
    {
      name: 'vitest list --json (static parse, default)',
      command: [process.execPath, vitestBin, 'list', '--json'],
      count: (out) => (JSON.parse(out) as unknown[]).length,
    },
    {
      name: 'vitest list --json --no-static-parse',
      command: [process.execPath, vitestBin, 'list', '--json', '--no-static-parse'],
      count: (out) => (JSON.parse(out) as unknown[]).length,
      once: true,
    },
  ];
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
  console.log(
    `goal (<= 2 s and >= 5x faster than vitest list): cold ${(baseline.wall / 1000).toFixed(2)} s, ${(list.wall / baseline.wall).toFixed(1)}x; warm ${(warm.wall / 1000).toFixed(2)} s, ${(list.wall / warm.wall).toFixed(1)}x`,
  );
} finally {
  if (keep) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
