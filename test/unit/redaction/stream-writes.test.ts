// Writes that skip Vitest's console capture are masked by the worker itself.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { Redactor } from '../../../src/redaction/redactor.ts';
import { redactWrites } from '../../../src/redaction/stream-writes.ts';

function captured(): { stream: PassThrough; text: () => string; bytes: () => Buffer } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8'), bytes: () => Buffer.concat(chunks) };
}

describe('redactWrites', { tags: ['001-FR-051'] }, () => {
  test('masks a known value written as a string or as UTF-8 bytes, with or without a callback', async () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-value');
    const out = captured();
    redactWrites(out.stream, redactor);
    out.stream.write('the value is s3cr3t-value\n');
    out.stream.write(Buffer.from('bytes: s3cr3t-value\n'));
    await new Promise<void>((resolve) => out.stream.write('done\n', 'utf8', () => resolve()));
    expect(out.text()).toBe('the value is [REDACTED]\nbytes: [REDACTED]\ndone\n');
  });

  test('binary output that is not UTF-8 passes byte for byte', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-value');
    const out = captured();
    redactWrites(out.stream, redactor);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41]);
    out.stream.write(binary);
    expect(out.bytes().equals(binary)).toBe(true);
  });
});
