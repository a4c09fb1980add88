// Secrets never leak (FR-051, FR-025): a failing test of a nested Vitest run holds the PostgreSQL
// password (through the postgres fixture) and a Secret value made up here; a container logs both and
// carries the password as a plain env value; the test prints both with console.log and fails
// assertions whose message and diff hold the password (which only the RedactingReporter that
// withRequirements puts first can mask: these pass through Vitest's own reporters). Every byte the
// run wrote (console, failure bundle, JUnit, Vitest's JSON report, traceability.json and its JUnit)
// is searched for both values, raw and base64. The same again inside the cluster, through
// `incluster run`: the runner pod's Vitest prints the password it received as POSTGRES_PASSWORD and
// fails showing it, and every byte printed or copied out (its JUnit and JSON among them) is searched.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, onTestFinished, test } from 'vitest';
import { CLI, ROOT, hostileRun, killStray, projectDir, faultClient, spawnNode } from './support.ts';

afterEach(killStray);

/** Where each of `needles` (raw and base64 secrets) appears: `console` or a file under `dir`. */
function leaksIn(
  printed: string,
  files: { path: string; bytes: Buffer }[],
  dir: string,
  needles: string[],
): string[] {
  const leaks: string[] = [];
  for (const needle of needles) {
    if (printed.includes(needle)) leaks.push(`console output contains secret #${needles.indexOf(needle)}`);
    for (const file of files)
      if (file.bytes.includes(needle))
        leaks.push(`${relative(dir, file.path)} contains secret #${needles.indexOf(needle)}`);
  }
  return leaks;
}

/**
 * The in-pod project: the fixture's image files at the top, incluster's Dockerfile, src/ and specs/,
 * and the Vitest project where the repository has it, so its relative imports hold in both places.
 */
async function runnerProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fault-runner-secrets-'));
  const fixture = join(ROOT, 'test/fixtures/runner-secrets');
  await cp(join(fixture, 'image'), dir, { recursive: true });
  await cp(join(ROOT, 'testing/Dockerfile'), join(dir, 'testing/Dockerfile'));
  for (const tree of ['src', 'specs']) await cp(join(ROOT, tree), join(dir, tree), { recursive: true });
  for (const file of ['vitest.config.ts', 'leak.fixture.ts'])
    await cp(join(fixture, file), join(dir, 'test/fixtures/runner-secrets', file));
  return dir;
}

/** Every regular file under `dir`, with its bytes. */
async function everyFile(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) out.push({ path, bytes: await readFile(path) });
  }
  return out;
}

describe('secrets in a failing test', { tags: ['001-FR-051', '001-FR-025'] }, () => {
  test('appear nowhere in console output, failure bundle, JUnit or reports, also printed by the test', async () => {
    const kube = faultClient();
    const pg = await kube.core.readNamespacedSecret({ namespace: 'floe-test', name: 'postgres-credentials' });
    const password = Buffer.from(pg.data!.password!, 'base64').toString();
    const secret = `fault-${randomBytes(12).toString('hex')}`;
    const runId = `fault-secrets-${randomBytes(3).toString('hex')}`;
    const dir = await projectDir('namespace: floe-test\nartifacts:\n  dir: results\n');
    const child = spawnNode(hostileRun('secrets.fixture.ts'), {
      cwd: dir,
      env: { HOSTILE_SECRET: secret, HOSTILE_OUT: join(dir, 'evidence'), INCLUSTER_RUN_ID: runId },
    });
    const { code } = await child.exited;
    const printed = child.stdout() + child.stderr();
    expect(code, printed).toBe(1);
    // The test did print and assert on the values: masked where they were.
    expect(printed).toContain('this test insists on two');
    expect(printed).toContain('read with [REDACTED]; this test insists on two');
    expect(printed).toContain('the PostgreSQL password is [REDACTED], the token [REDACTED]');

    const files = await everyFile(dir);
    const names = files.map((f) => relative(dir, f.path));
    // The run really wrote what is searched: bundle (with the leaky container's log), JUnit, reports.
    expect(names).toEqual(
      expect.arrayContaining([
        'evidence/junit.xml',
        'evidence/report.json',
        'evidence/traceability.json',
        'evidence/traceability.junit.xml',
      ]),
    );
    const bundleLog = files.find((f) => f.path.includes(`results/${runId}/`) && f.path.endsWith('leaky.log'));
    expect(bundleLog, names.join('\n')).toBeDefined();
    expect(bundleLog!.bytes.toString()).toContain('[REDACTED]');
    const junit = files.find((f) => f.path.endsWith('evidence/junit.xml'))!.bytes.toString();
    expect(junit).toContain('the PostgreSQL password is [REDACTED], the token [REDACTED]');
    expect(junit).toContain('read with [REDACTED]; this test insists on two');
    const report = files.find((f) => f.path.endsWith('evidence/report.json'))!.bytes.toString();
    expect(report).toContain('read with [REDACTED]; this test insists on two');

    const needles = [secret, password].flatMap((value) => [value, Buffer.from(value).toString('base64')]);
    expect(leaksIn(printed, files, dir, needles)).toEqual([]);
  });

  test(
    'printed and asserted on by the tests in the runner pod, appear nowhere incluster run prints or copies out',
    { timeout: 900_000 },
    async () => {
      const kube = faultClient();
      const pg = await kube.core.readNamespacedSecret({
        namespace: 'floe-test',
        name: 'postgres-credentials',
      });
      const password = Buffer.from(pg.data!.password!, 'base64').toString();
      const needles = [password, Buffer.from(password).toString('base64')];
      const dir = await runnerProject();
      onTestFinished(() => rm(dir, { recursive: true, force: true }));

      const run = async (config: string) => {
        const child = spawnNode([CLI, 'run', '--provider', 'local', '--config', config], { cwd: dir });
        const { code } = await child.exited;
        const printed = child.stdout() + child.stderr();
        // 1: the tests ran and failed (3 would be the runner or the cluster failing).
        expect(code, printed).toBe(1);
        const results = (await readdir(join(dir, 'results'))).sort();
        const files = await everyFile(join(dir, 'results', results.at(-1)!));
        const file = (name: string) => files.find((f) => relative(dir, f.path).endsWith(name));
        // What the pod's Vitest wrote is copied out as it was, next to incluster's merged JUnit and report.
        for (const name of ['/junit.xml', '/report.json', '/shard-0/junit.xml', '/shard-0/report.json'])
          expect(file(name), `${name} in ${files.map((f) => f.path).join(', ')}`).toBeDefined();
        return { printed, files, file };
      };

      // The control: without the pod's RedactingReporter its JUnit and JSON hold the password; what
      // incluster itself prints and writes (log lines, summary, merged JUnit, report.json) does not.
      const controlConfig = join(dir, 'control.config.yaml');
      const configText = await readFile(join(dir, 'incluster.config.yaml'), 'utf8');
      await writeFile(
        controlConfig,
        configText.replace('\nrunner:\n', '\nrunner:\n  env: { FIXTURE_REDACTION: "off" }\n'),
      );
      const control = await run(controlConfig);
      const copied = control.files.filter((f) => f.path.includes('/shard-0/'));
      expect(leaksIn(control.printed, copied, dir, needles).length).toBeGreaterThan(0);
      const written = control.files.filter((f) => !f.path.includes('/shard-0/'));
      expect(leaksIn(control.printed, written, dir, needles)).toEqual([]);

      const { printed, files, file } = await run(join(dir, 'incluster.config.yaml'));
      const junit = file('/shard-0/junit.xml')!.bytes.toString();
      expect(junit).toContain('the PostgreSQL password is [REDACTED]');
      expect(junit).toContain('read with [REDACTED]; this test insists on two');
      expect(file('/shard-0/report.json')!.bytes.toString()).toContain(
        'read with [REDACTED]; this test insists on two',
      );
      expect(leaksIn(printed, files, dir, needles)).toEqual([]);
    },
  );
});
