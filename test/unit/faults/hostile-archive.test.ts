// Hostile archives for the copy-out path (FR-050): one tar that tries every escape at once, extracted
// into a directory that sits next to a "victim" file and directory. Whatever the archive says, the
// outside of the target must be byte-for-byte what it was, and every refused entry must be reported.
import { lstat, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { tarOf } from '../../support/tar.ts';
import { extractTarSafely } from '../../../src/kube/archive.ts';

/** Every path under `dir` with its type and content: what "nothing changed outside" is checked against. */
async function snapshot(dir: string, skip: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if (path === skip || path.startsWith(skip + '/')) continue;
    const info = await lstat(path);
    out[relative(dir, path)] = info.isFile()
      ? `file:${await readFile(path, 'utf8')}`
      : info.isDirectory()
        ? 'dir'
        : `other:${info.mode}`;
  }
  return out;
}

async function sandbox() {
  const base = await mkdtemp(join(tmpdir(), 'fault-tar-'));
  await writeFile(join(base, 'victim.txt'), 'original');
  await mkdir(join(base, 'victim-dir'));
  await writeFile(join(base, 'victim-dir', 'keep.txt'), 'keep');
  const target = join(base, 'out');
  return { base, target, before: await snapshot(base, target) };
}

describe('hostile archives copied out of a pod', { tags: ['001-FR-050'] }, () => {
  test('every escape in one archive: nothing outside changes, each refusal is reported', async () => {
    const { base, target, before } = await sandbox();
    const big = Buffer.alloc(4096, 0x61);
    const result = await extractTarSafely(
      await tarOf([
        { name: 'fine.txt', content: 'ok' },
        { name: '../victim.txt', content: 'overwritten by ..' },
        { name: 'a/b/../../../victim.txt', content: 'overwritten by nested ..' },
        { name: `${base}/victim.txt`, content: 'overwritten by absolute path' },
        { name: 'escape', type: 'symlink', linkname: '../victim-dir' },
        { name: 'escape/keep.txt', content: 'written through the symlink' },
        { name: 'abs-link', type: 'symlink', linkname: '/etc' },
        { name: 'hard', type: 'link', linkname: '../victim.txt' },
        { name: 'hard-abs', type: 'link', linkname: '/etc/passwd' },
        { name: 'inner', type: 'symlink', linkname: 'fine.txt' },
        { name: 'hard-via-link', type: 'link', linkname: 'inner' },
        { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 },
        { name: 'disk', type: 'block-device', devmajor: 8, devminor: 0 },
        { name: 'pipe', type: 'fifo' },
        { name: 'huge.bin', content: big },
        { name: 'fine.txt', content: 'second copy replaces the first?' },
        { name: 'setuid', content: 'x', mode: 0o4777 },
      ]),
      target,
      { maxBytes: 1024 },
    );

    expect(await snapshot(base, target)).toEqual(before);
    const reasons = Object.fromEntries(result.rejected.map((r) => [r.path, r.reason]));
    const containing = (text: string): unknown => expect.stringContaining(text);
    expect(reasons).toMatchObject({
      '../victim.txt': 'path contains ..',
      'a/b/../../../victim.txt': 'path contains ..',
      [`${base}/victim.txt`]: 'absolute path',
      escape: containing('symlink escapes'),
      'abs-link': containing('absolute'),
      hard: containing('..'),
      'hard-abs': containing('absolute'),
      'hard-via-link': containing('not a file'),
      null: containing('character-device'),
      disk: containing('block-device'),
      pipe: containing('fifo'),
      'huge.bin': 'exceeds the size cap of 1024 bytes',
    });
    // The symlink was refused, so "escape/keep.txt" is an ordinary directory inside the target.
    expect(await readFile(join(target, 'fine.txt'), 'utf8')).toBe('ok');
    expect(result.rejected.find((r) => r.path === 'fine.txt')?.reason).toContain('already extracted');
    expect((await lstat(join(target, 'setuid'))).mode & 0o7777).toBe(0o755);
    const inside = await readdir(target, { recursive: true });
    expect(inside.sort()).toEqual(['escape', 'escape/keep.txt', 'fine.txt', 'inner', 'setuid']);
    expect(result.bytes).toBeLessThanOrEqual(1024);
  });

  test('a symlink planted inside, then a file written through it, stays inside', async () => {
    const { base, target, before } = await sandbox();
    const result = await extractTarSafely(
      await tarOf([
        { name: 'd', type: 'directory' },
        { name: 'd/up', type: 'symlink', linkname: '..' }, // points at the target itself: allowed
        { name: 'd/up/../../victim.txt', content: 'x' },
        { name: 'd/up/sneaky.txt', content: 'through an inner link' },
      ]),
      target,
    );
    expect(await snapshot(base, target)).toEqual(before);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      'path contains ..',
      'its parent directory is a symlink',
    ]);
  });

  test('more entries than allowed and a stream cut short are refused, not half-trusted', async () => {
    const { base, target, before } = await sandbox();
    const many = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, content: String(i) }));
    const result = await extractTarSafely(await tarOf(many), target, { maxEntries: 3 });
    expect(result.files.sort()).toEqual(['f0', 'f1', 'f2']);
    expect(result.rejected).toHaveLength(3);
    expect(result.rejected[0]!.reason).toBe('more than 3 entries');

    const whole = Buffer.concat(
      await (await tarOf([{ name: 'cut.bin', content: Buffer.alloc(5000) }])).toArray(),
    );
    const cut = Readable.from([whole.subarray(0, 1500)]);
    await expect(extractTarSafely(cut, join(target, 'cut'))).rejects.toThrow();
    expect(await snapshot(base, target)).toEqual(before);
  });
});
