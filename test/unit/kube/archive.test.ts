import { lstat, mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tarOf } from '../../support/tar.ts';
import { extractTarSafely, pathProblem } from '../../../src/kube/archive.ts';

async function target() {
  const base = await mkdtemp(join(tmpdir(), 'incluster-tar-'));
  return { base, dir: join(base, 'out') };
}

describe('extractTarSafely', { tags: ['001-FR-050'] }, () => {
  test('extracts ordinary files and directories', async () => {
    const { dir } = await target();
    const result = await extractTarSafely(
      await tarOf([
        { name: './reports/', type: 'directory' },
        { name: './reports/junit.xml', content: '<testsuites/>' },
        { name: 'a.txt', content: 'hello' },
      ]),
      dir,
    );
    expect(result.rejected).toEqual([]);
    expect(result.files.sort()).toEqual(['a.txt', 'reports/junit.xml']);
    expect(await readFile(join(dir, 'reports/junit.xml'), 'utf8')).toBe('<testsuites/>');
    expect(result.bytes).toBe(18);
  });

  test('rejects absolute paths and .. and reports each with its reason', async () => {
    const { base, dir } = await target();
    const result = await extractTarSafely(
      await tarOf([
        { name: '/etc/evil', content: 'x' },
        { name: '../escape.txt', content: 'x' },
        { name: 'ok/../../escape2.txt', content: 'x' },
        { name: 'fine.txt', content: 'ok' },
      ]),
      dir,
    );
    expect(result.files).toEqual(['fine.txt']);
    expect(result.rejected).toEqual([
      { path: '/etc/evil', reason: 'absolute path' },
      { path: '../escape.txt', reason: 'path contains ..' },
      { path: 'ok/../../escape2.txt', reason: 'path contains ..' },
    ]);
    expect(await readdir(base)).toEqual(['out']);
  });

  test('rejects symlinks and hard links that point outside, keeps ones that stay inside', async () => {
    const { dir } = await target();
    const result = await extractTarSafely(
      await tarOf([
        { name: 'data.txt', content: 'data' },
        { name: 'abs-link', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'rel-link', type: 'symlink', linkname: '../../etc/passwd' },
        { name: 'good-link', type: 'symlink', linkname: 'data.txt' },
        { name: 'hard-out', type: 'link', linkname: '../outside' },
        { name: 'hard-abs', type: 'link', linkname: '/etc/passwd' },
        { name: 'hard-in', type: 'link', linkname: 'data.txt' },
      ]),
      dir,
    );
    expect(result.rejected.map((r) => r.path)).toEqual(['abs-link', 'rel-link', 'hard-out', 'hard-abs']);
    expect(result.rejected[1]!.reason).toContain('escapes the target directory');
    expect(result.files.sort()).toEqual(['data.txt', 'good-link', 'hard-in']);
    expect((await lstat(join(dir, 'good-link'))).isSymbolicLink()).toBe(true);
  });

  test('never writes through a symlinked directory, even one pointing inside', async () => {
    const { base, dir } = await target();
    // Classic two-step escape: a link to "." is harmless alone; a later entry "sub/../.." cannot be used,
    // so attackers use link -> dir, then write link/file. We refuse any write below a symlink.
    const result = await extractTarSafely(
      await tarOf([
        { name: 'real/', type: 'directory' },
        { name: 'alias', type: 'symlink', linkname: 'real' },
        { name: 'alias/file.txt', content: 'x' },
      ]),
      dir,
    );
    expect(result.rejected).toEqual([
      { path: 'alias/file.txt', reason: 'its parent directory is a symlink' },
    ]);
    expect(await readdir(join(dir, 'real'))).toEqual([]);
    expect(await readdir(base)).toEqual(['out']);
  });

  test('rejects device files and fifos', async () => {
    const { dir } = await target();
    const result = await extractTarSafely(
      await tarOf([
        { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 },
        { name: 'disk', type: 'block-device', devmajor: 8, devminor: 0 },
        { name: 'pipe', type: 'fifo' },
      ]),
      dir,
    );
    expect(result.files).toEqual([]);
    expect(result.rejected.map((r) => r.reason)).toEqual([
      'character-device entries are not extracted',
      'block-device entries are not extracted',
      'fifo entries are not extracted',
    ]);
  });

  test('stops at the byte cap and reports the entries over it', async () => {
    const { dir } = await target();
    const result = await extractTarSafely(
      await tarOf([
        { name: 'a', content: 'x'.repeat(600) },
        { name: 'b', content: 'y'.repeat(600) },
        { name: 'c', content: 'z'.repeat(100) },
      ]),
      dir,
      { maxBytes: 1000 },
    );
    expect(result.files).toEqual(['a', 'c']);
    expect(result.rejected).toEqual([{ path: 'b', reason: 'exceeds the size cap of 1000 bytes' }]);
    expect(result.bytes).toBe(700);
  });

  test('drops set-uid bits and refuses to overwrite an extracted file', async () => {
    const { dir } = await target();
    const result = await extractTarSafely(
      await tarOf([
        { name: 'tool', content: '#!/bin/sh', mode: 0o4755 },
        { name: 'tool', content: 'again' },
      ]),
      dir,
    );
    expect(((await stat(join(dir, 'tool'))).mode & 0o7777).toString(8)).toBe('755');
    expect(result.rejected).toEqual([{ path: 'tool', reason: 'a file of that name was already extracted' }]);
    expect(await readFile(join(dir, 'tool'), 'utf8')).toBe('#!/bin/sh');
  });

  test('caps the number of entries', async () => {
    const { dir } = await target();
    const result = await extractTarSafely(
      await tarOf([
        { name: '1', content: '' },
        { name: '2', content: '' },
        { name: '3', content: '' },
      ]),
      dir,
      { maxEntries: 2 },
    );
    expect(result.files).toEqual(['1', '2']);
    expect(result.rejected).toEqual([{ path: '3', reason: 'more than 2 entries' }]);
  });

  test('pathProblem names NUL bytes and Windows drive paths', () => {
    expect(pathProblem('a\0b')).toBe('name contains a NUL byte');
    expect(pathProblem('C:\\Windows\\x')).toBe('absolute path');
    expect(pathProblem('a/b..c/d')).toBeUndefined();
  });
});
