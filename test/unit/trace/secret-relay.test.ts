import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Redactor } from '../../../src/kube/redaction.ts';
import { SECRET_RELAY_ENV, SecretRelay, relayLearnedSecrets } from '../../../src/trace/secret-relay.ts';

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
