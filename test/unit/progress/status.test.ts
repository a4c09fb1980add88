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

describe('nothing but main.ts owns SIGINT and SIGTERM', { tags: ['001-FR-130'] }, () => {
  /** A stream that says it is a terminal, as stderr is under a pseudo-terminal. */
  function terminal() {
    const out = capture();
    return Object.assign(out.stream, {
      isTTY: true,
      columns: 80,
      cursorTo: () => true,
      moveCursor: () => true,
      clearLine: () => true,
    });
  }
  const listeners = () => ({
    SIGINT: process.listeners('SIGINT').length,
    SIGTERM: process.listeners('SIGTERM').length,
  });

  test('a spinner on a terminal installs no signal handler, while it spins and after', () => {
    const before = listeners();
    const status = new Status(terminal(), { interactive: true });
    status.start('Running the suite in 1 pod');
    expect(listeners(), 'handlers while the spinner runs').toEqual(before);
    status.start('Merging results');
    status.end(false);
    expect(listeners(), 'handlers after it stopped').toEqual(before);
  });

  test('no module of any command installs a handler when loaded (help loads them all)', async () => {
    const { runCliCaptured } = await import('../../support/cli.ts');
    const before = listeners();
    expect((await runCliCaptured(['--help'])).status).toBe(0);
    expect(listeners()).toEqual(before);
  });
});
