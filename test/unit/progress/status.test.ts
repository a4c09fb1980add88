import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { formatDuration } from '../../../src/duration.ts';
import { Status } from '../../../src/progress/status.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('progress on long steps', { tags: ['001-FR-008'] }, () => {
  test('each phase is named when it starts and ends with its duration (plain lines off a terminal)', async () => {
    const out = capture();
    const status = new Status(out.stream, { interactive: false });
    await status.phase('Building images', async () => {
      status.update('2/5 images');
      await new Promise((r) => setTimeout(r, 20));
    });
    await expect(
      status.phase('Starting the control plane', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toBe('• Building images …');
    expect(lines[1]).toBe('  2/5 images');
    expect(lines[2]).toMatch(/^✓ Building images \(\d+ms\)$/);
    expect(lines[3]).toBe('• Starting the control plane …');
    expect(lines[4]).toMatch(/^✗ Starting the control plane \(\d+ms\)$/);
  });

  test('timings are kept for reports, failed phases marked', () => {
    const status = new Status(capture().stream, { interactive: false });
    status.start('one');
    status.start('two'); // starting a phase ends the previous one as successful
    status.end(false);
    expect(status.timings.map((t) => [t.name, t.ok])).toEqual([
      ['one', true],
      ['two', false],
    ]);
    expect(status.timings.every((t) => t.ms >= 0)).toBe(true);
  });

  test.each([
    [850, '850ms'],
    [12_340, '12.3s'],
    [125_000, '2m05s'],
  ])('%i ms reads as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
