import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Redactor } from '../../../src/redaction/redactor.ts';
import { SECRET_RELAY_ENV, SecretRelay, relayLearnedSecrets } from '../../../src/redaction/secret-relay.ts';

describe('secret relay from workers to the main process', { tags: ['001-FR-051'] }, () => {
  test('the file is private, carries known and later values, and goes away on close', async () => {
    const relay = SecretRelay.open()!;
    try {
      expect((await stat(dirname(relay.path))).mode & 0o777).toBe(0o700);
      expect((await stat(relay.path)).mode & 0o777).toBe(0o600);
      const worker = new Redactor();
      worker.add('known-before');
      expect(relayLearnedSecrets(worker, { [SECRET_RELAY_ENV]: relay.path })).toBe(true);
      worker.add('learned-after');
      // Base64 lines: never the raw value on disk twice over, and values with newlines stay whole.
      expect(await readFile(relay.path, 'utf8')).not.toContain('learned-after');
      const main = new Redactor();
      relay.drainInto(main);
      expect(main.redact('known-before learned-after')).toBe('[REDACTED] [REDACTED]');
      worker.add('third-value');
      relay.drainInto(main);
      expect(main.redact('third-value')).toBe('[REDACTED]');
    } finally {
      relay.close();
    }
    await expect(stat(dirname(relay.path))).rejects.toThrow(/ENOENT/);
  });

  test("a run SIGKILLed before closing its relay: the next run removes it, not a live run's", async () => {
    const parent = await mkdtemp(join(tmpdir(), 'incluster-relay-parent-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid; // exited: its pid is free
    await mkdir(join(parent, `incluster-secrets-${dead}-abc`), { mode: 0o700 });
    await writeFile(join(parent, `incluster-secrets-${dead}-abc`, 'values'), 'c2VjcmV0\n');
    const live = SecretRelay.open(parent)!;
    try {
      expect(await readdir(parent)).toEqual([basename(dirname(live.path))]);
      expect(basename(dirname(live.path))).toMatch(new RegExp(`^incluster-secrets-${process.pid}-`));
      // A second run while this one lives leaves this one's relay alone.
      const other = SecretRelay.open(parent)!;
      expect((await readdir(parent)).sort()).toEqual(
        [basename(dirname(live.path)), basename(dirname(other.path))].sort(),
      );
      other.close();
    } finally {
      live.close();
    }
  });

  test('a redactor relays once however often the setup file runs, and not without the variable', () => {
    const relay = SecretRelay.open()!;
    try {
      const worker = new Redactor();
      expect(relayLearnedSecrets(worker, {})).toBe(false);
      expect(relayLearnedSecrets(worker, { [SECRET_RELAY_ENV]: relay.path })).toBe(true);
      expect(relayLearnedSecrets(worker, { [SECRET_RELAY_ENV]: relay.path })).toBe(false);
    } finally {
      relay.close();
    }
  });

  test('a relay whose main process is gone does not disturb the worker', () => {
    const worker = new Redactor();
    relayLearnedSecrets(worker, { [SECRET_RELAY_ENV]: '/nonexistent/dir/values' });
    expect(() => worker.add('still-fine')).not.toThrow();
    expect(worker.redact('still-fine')).toBe('[REDACTED]');
  });
});
