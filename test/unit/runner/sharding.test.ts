// Shards balanced by time, without a cluster: the plan (longest first, new files spread evenly), the
// durations kept between runs, the test files listed the way Vitest and pytest find them, and the
// pod's command that turns a shard's list into arguments. The real runs are in
// test/integration/runner/time-shards.test.ts; the balance is measured in bench/time-shards.ts.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { configAt } from '../../../src/config/resolve.ts';
import { shardFilesConfigMap, testCommand } from '../../../src/runner/job.ts';
import { planShards } from '../../../src/runner/sharding/plan.ts';
import { listTestFiles, parseRunnerCommand } from '../../../src/runner/sharding/test-files.ts';
import { fileDurations, readTimings, writeTimings } from '../../../src/runner/sharding/timings.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-shards-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the plan', { tags: ['001-FR-184'] }, () => {
  test('deals the longest files first, each to the shard predicted to end first', () => {
    const durations = new Map([
      ['a.test.ts', 9000],
      ['b.test.ts', 5000],
      ['c.test.ts', 4000],
      ['d.test.ts', 3000],
      ['e.test.ts', 3000],
      ['f.test.ts', 2000],
    ]);
    const plan = planShards([...durations.keys()], durations, 3);
    expect(plan.shards).toEqual([
      { files: ['a.test.ts'], predictedMs: 9000 },
      { files: ['b.test.ts', 'e.test.ts'], predictedMs: 8000 },
      { files: ['c.test.ts', 'd.test.ts', 'f.test.ts'], predictedMs: 9000 },
    ]);
    expect(plan.unknownFiles).toBe(0);
  });

  test('is far better than an even count on a skewed suite', () => {
    // One slow file per ten, as integration suites tend to have.
    const files = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, '0')}.test.ts`);
    const durations = new Map(files.map((file, i) => [file, i % 10 === 0 ? 20_000 : 1000]));
    const plan = planShards(files, durations, 4);
    const loads = plan.shards.map((shard) => shard.predictedMs);
    const mean = loads.reduce((a, b) => a + b) / loads.length;
    expect(Math.max(...loads) / mean).toBeLessThanOrEqual(1.05);
    expect(plan.shards.flatMap((s) => s.files).sort()).toEqual(files);
  });

  test('with no history the files are spread evenly, and new files beside known ones too', () => {
    const files = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(planShards(files, new Map(), 3).shards.map((s) => s.files.length)).toEqual([3, 2, 2]);
    // Known: 6 s and 2 s (mean 4 s); each new file is predicted at 4 s.
    const plan = planShards(
      ['old-slow', 'old-fast', 'new-1', 'new-2'],
      new Map([
        ['old-slow', 6000],
        ['old-fast', 2000],
      ]),
      2,
    );
    expect(plan.unknownFiles).toBe(2);
    expect(plan.shards.map((s) => s.predictedMs)).toEqual([8000, 8000]);
  });

  test('never makes an empty shard, and is the same for the same inputs', () => {
    expect(planShards(['x', 'y'], new Map(), 5).shards).toHaveLength(2);
    const durations = new Map([
      ['p', 1],
      ['q', 1],
      ['r', 1],
    ]);
    expect(planShards(['r', 'q', 'p'], durations, 2)).toEqual(planShards(['p', 'q', 'r'], durations, 2));
  });
});

describe('the durations kept between runs', { tags: ['001-FR-185'] }, () => {
  test('are measured per file from the JUnit cases, as Vitest and pytest name them', () => {
    const files = ['test/api.test.ts', 'test/db.test.ts', 'tests/test_orders.py', 'tests/unit/test_book.py'];
    const durations = fileDurations(
      [
        // Vitest: the suite (and classname) is the file, relative to Vitest's root or absolute.
        { suite: 'api.test.ts', classname: 'api.test.ts', name: 'a', seconds: 1.5 },
        { suite: 'api.test.ts', classname: 'api.test.ts', name: 'b', seconds: 0.25 },
        { suite: '/app/test/db.test.ts', name: 'c', seconds: 2 },
        // pytest: the classname is the module, with a class or not.
        { suite: 'pytest', classname: 'tests.test_orders', name: 'test_x', seconds: 0.5 },
        { suite: 'pytest', classname: 'tests.test_orders.TestBook', name: 'test_y', seconds: 0.5 },
        { suite: 'pytest', classname: 'tests.unit.test_book', name: 'test_z', seconds: 3 },
        { suite: 'pytest', classname: 'elsewhere.test_other', name: 'lost', seconds: 9 },
      ],
      files,
    );
    expect(Object.fromEntries(durations)).toEqual({
      'test/api.test.ts': 1750,
      'test/db.test.ts': 2000,
      'tests/test_orders.py': 1000,
      'tests/unit/test_book.py': 3000,
    });
  });

  test('a run updates what it measured and keeps the rest', async () => {
    const file = join(await tempDir(), 'cache', 'timings.json');
    expect((await readTimings(file)).size).toBe(0); // a first run, an empty CI cache
    await writeTimings(
      file,
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
      new Map([
        ['b', 20],
        ['c', 30],
      ]),
      'run1',
    );
    expect(Object.fromEntries(await readTimings(file))).toEqual({ a: 1, b: 20, c: 30 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      kind: 'incluster-timings',
      runId: 'run1',
    });
  });

  test('a file that is not a timings file is a usage error naming it', async () => {
    const file = join(await tempDir(), 'timings.json');
    await writeFile(file, '{"files": []');
    await expect(readTimings(file)).rejects.toMatchObject({
      exitStatus: 2,
      message: expect.stringContaining(`${file} is not a timings file`) as unknown,
    });
  });
});

describe('the test files a sharded run lists', { tags: ['001-FR-184', '001-FR-186'] }, () => {
  test('finds Vitest and pytest in a command and what its arguments name', () => {
    expect(
      parseRunnerCommand(['npx', 'vitest', 'run', '--reporter', 'junit', '--project=api']),
    ).toMatchObject({
      runner: 'vitest',
      positional: [],
      options: new Map([
        ['--reporter', ['junit']],
        ['--project', ['api']],
      ]),
    });
    expect(parseRunnerCommand(['node', 'node_modules/vitest/vitest.mjs', 'run', 'tests/api'])).toMatchObject({
      runner: 'vitest',
      positional: ['tests/api'],
    });
    expect(
      parseRunnerCommand(['uv', 'run', 'python', '-m', 'pytest', '-k', 'slow', '--junitxml=/a/j.xml']),
    ).toMatchObject({
      runner: 'pytest',
      positional: [],
    });
    expect(parseRunnerCommand(['sh', '-c', 'node run-tests.mjs'])).toBeUndefined();
  });

  test('Vitest: the files of the config and projects the command names, inside the build context', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'suite/api'), { recursive: true });
    await mkdir(join(dir, 'suite/db'), { recursive: true });
    for (const file of [
      'suite/api/a.test.ts',
      'suite/api/b.test.ts',
      'suite/db/c.test.ts',
      'suite/db/ignored.test.ts',
    ])
      await writeFile(join(dir, file), "import { test } from 'vitest';\ntest('x', () => {});\n");
    await writeFile(join(dir, '.dockerignore'), 'suite/db/ignored.test.ts\n');
    await writeFile(
      join(dir, 'suite/vitest.config.ts'),
      `import { defineConfig } from 'vitest/config';
export default defineConfig({ root: import.meta.dirname, test: { projects: [
  { test: { name: 'api', include: ['api/*.test.ts'] } },
  { test: { name: 'db', include: ['db/*.test.ts'] } },
] } });
`,
    );
    const config = (command: string[]) => configAt(dir, { runner: { command } });
    expect(
      await listTestFiles(config(['npx', 'vitest', 'run', '--config', 'suite/vitest.config.ts']), []),
    ).toEqual({
      kind: 'files',
      runner: 'vitest',
      files: ['suite/api/a.test.ts', 'suite/api/b.test.ts', 'suite/db/c.test.ts'],
    });
    expect(
      await listTestFiles(config(['npx', 'vitest', 'run', '-c', 'suite/vitest.config.ts']), [
        '--project',
        'db',
      ]),
    ).toMatchObject({ files: ['suite/db/c.test.ts'] });
  });

  test('pytest: the files pytest would collect', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'tests/unit'), { recursive: true });
    await writeFile(join(dir, 'pyproject.toml'), '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n');
    await writeFile(join(dir, 'tests/test_orders.py'), 'def test_x():\n    pass\n');
    await writeFile(join(dir, 'tests/unit/test_book.py'), 'def test_y():\n    pass\n');
    await writeFile(join(dir, 'tests/helpers.py'), 'X = 1\n');
    const config = configAt(dir, { runner: { command: ['pytest', '--junitxml=/artifacts/junit.xml'] } });
    expect(await listTestFiles(config, [])).toEqual({
      kind: 'files',
      runner: 'pytest',
      files: ['tests/test_orders.py', 'tests/unit/test_book.py'],
    });
  });

  test('another runner, or arguments that name tests, shard by count and say why', async () => {
    const dir = await tempDir();
    expect(
      await listTestFiles(configAt(dir, { runner: { command: ['sh', '-c', 'make test'] } }), []),
    ).toEqual({
      kind: 'count',
      reason: 'runner.command runs neither Vitest nor pytest, whose test files incluster can list',
    });
    expect(await listTestFiles(configAt(dir), ['tests/api', '--reporter=junit'])).toMatchObject({
      kind: 'count',
      reason: expect.stringContaining("the runner's arguments name tests (`tests/api`)") as unknown,
    });
  });
});

describe("a shard's files in the pod", { tags: ['001-FR-184'] }, () => {
  test('each line of its list becomes one absolute argument, spaces and all; no --shard', async () => {
    const dir = await tempDir();
    const lists = [['tests/a b.test.ts', 'tests/$(touch x).test.ts'], ['tests/c.test.ts']];
    const configMap = shardFilesConfigMap({ namespace: 'ns', runId: 'r' }, lists);
    const data = configMap.data as Record<string, string>;
    await mkdir(join(dir, 'shards'));
    for (const [key, text] of Object.entries(data)) await writeFile(join(dir, 'shards', key), text);
    const command = testCommand({
      command: ['printf', '%s\\n'],
      runnerArgs: ['--reporter=dot'],
      shards: 2,
      shardFiles: lists,
    });
    expect(command.join(' ')).not.toContain('--shard=');
    const [shell, flag, script, ...args] = command;
    const result = spawnSync(
      shell!,
      [flag!, script!.replace('/etc/incluster/shards', join(dir, 'shards')), ...args],
      {
        cwd: dir,
        env: { ...process.env, INCLUSTER_SHARD_INDEX: '0' },
        encoding: 'utf8',
      },
    );
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      '--reporter=dot',
      join(dir, 'tests/a b.test.ts'),
      join(dir, 'tests/$(touch x).test.ts'),
    ]);
  });
});
