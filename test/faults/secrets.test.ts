// Secrets never leak (FR-051, FR-025): a failing test of a nested Vitest run holds the PostgreSQL
// password (through the postgres fixture) and a Secret value made up here; a container logs both and
// carries the password as a plain env value; the test prints both with console.log and fails
// assertions whose message and diff hold the password (which only the RedactingReporter that
// withRequirements puts first can mask: these pass through Vitest's own reporters). Every byte the
// run wrote (console, failure bundle, JUnit, Vitest's JSON report, traceability.json and its JUnit)
// is searched for both values, raw and base64.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { hostileRun, killStray, projectDir, faultClient, spawnNode } from './support.ts';

afterEach(killStray);

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
    const leaks: string[] = [];
    for (const needle of needles) {
      if (printed.includes(needle))
        leaks.push(
          `console output contains ${needle === secret || needle === password ? 'a raw' : 'a base64'} secret`,
        );
      for (const file of files)
        if (file.bytes.includes(needle)) leaks.push(`${relative(dir, file.path)} contains a secret`);
    }
    expect(leaks).toEqual([]);
  });
});
