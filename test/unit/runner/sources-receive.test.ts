// The holder's receiving end of a source sync, run by a real shell over a real pipe: a stream cut
// short (an exec connection that closed mid-transfer) is refused and never marked ready, a whole one
// is (FR-223). And the test container's wrapper stops before the tests when the archive is bad.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { receiveCommand, SYNC_SCRIPT } from '../../../src/runner/sources.ts';

async function receive(expected: number, sent: Buffer) {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-receive-'));
  const [shell, flag, script] = receiveCommand(expected, dir);
  const result = spawnSync(shell!, [flag!, script!], { input: sent });
  return { dir, status: result.status, stderr: result.stderr.toString() };
}

describe('source sync: the receiving end', { tags: ['001-FR-223'] }, () => {
  const archive = Buffer.from('x'.repeat(4096));

  test('a whole archive is kept and marked ready', async () => {
    const { dir, status } = await receive(archive.length, archive);
    expect(status).toBe(0);
    expect(await readFile(join(dir, 'sources.tar'))).toEqual(archive);
    expect(existsSync(join(dir, 'sources-ready'))).toBe(true);
  });

  test('a stream cut short is refused, named by its size, and never marked ready', async () => {
    const { dir, status, stderr } = await receive(archive.length, archive.subarray(0, 1000));
    expect(status).not.toBe(0);
    expect(stderr).toContain('received 1000 of 4096 bytes');
    expect(existsSync(join(dir, 'sources.tar'))).toBe(false);
    expect(existsSync(join(dir, 'sources.tar.part'))).toBe(false);
    expect(existsSync(join(dir, 'sources-ready'))).toBe(false);
  });

  test('the test container runs no test over an archive that does not unpack', async () => {
    const work = await mkdtemp(join(tmpdir(), 'incluster-sync-work-'));
    const control = await mkdtemp(join(tmpdir(), 'incluster-sync-control-'));
    await writeFile(join(control, 'sources.tar'), 'not a tar archive');
    await writeFile(join(control, 'sources-ready'), '');
    const script = SYNC_SCRIPT.replaceAll('/run/incluster', control);
    const marker = join(control, 'tests-ran');
    const result = spawnSync('sh', ['-c', script, 'incluster-sync', 'touch', marker], { cwd: work });
    expect(result.status).toBe(125);
    expect(result.stderr.toString()).toContain('the synced sources could not be unpacked');
    expect(existsSync(marker), 'the tests ran').toBe(false);
  });
});
