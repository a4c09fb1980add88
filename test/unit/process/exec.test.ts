// How subprocess output is read: decoded as a stream, so a character cut by the pipe is printed whole.
import { describe, expect, test } from 'vitest';
import { LineSplitter, runCommand } from '../../../src/process/exec.ts';

/** A Node child that prints `naïve` with the pipe cut between the two bytes of `ï`, 100 ms apart. */
const SPLIT_CHARACTER = `
const bytes = Buffer.from('naïve\\n');
const cut = bytes.indexOf(0xc3) + 1;
process.stdout.write(bytes.subarray(0, cut));
setTimeout(() => process.stdout.write(bytes.subarray(cut)), 100);
`;

describe('process output is decoded as a stream', { tags: ['001-FR-135'] }, () => {
  test('a UTF-8 character split across two reads reaches onLine and stdout whole', async () => {
    const lines: string[] = [];
    const result = await runCommand(process.execPath, ['-e', SPLIT_CHARACTER], {
      onLine: (line) => lines.push(line),
    });
    expect(lines).toEqual(['naïve']);
    expect(result.stdout).toBe('naïve\n');
  });

  test('the line splitter keeps an unfinished character for the next chunk', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const bytes = Buffer.from('€uro\nnaï');
    for (const byte of bytes) splitter.push(Buffer.from([byte]));
    splitter.flush();
    expect(lines).toEqual(['€uro', 'naï']);
  });

  test('a tail cut inside a character starts at the next whole one', async () => {
    // 'é' is two bytes; a 5-byte tail of 'ééé' would start inside the first one.
    const result = await runCommand(process.execPath, ['-e', "process.stdout.write('ééé')"], {
      maxBuffer: 5,
    });
    expect(result.stdout).toBe('éé');
  });
});
