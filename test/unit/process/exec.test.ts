// How subprocess output is read and how subprocesses are stopped: output decoded as a stream (a
// character cut by the pipe is printed whole), and, in the CLI, children in process groups of their
// own that an abort stops together with what they started.
import { describe, expect, test } from 'vitest';
import {
  LineSplitter,
  liveChildrenExited,
  runCommand,
  signalLiveChildren,
  startChildrenInOwnGroups,
} from '../../../src/process/exec.ts';

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

describe('children in process groups of their own (the CLI)', { tags: ['001-FR-130'] }, () => {
  startChildrenInOwnGroups();

  test('a child leads its own process group, so a terminal’s Ctrl-C to ours does not reach it', async () => {
    const result = await runCommand('sh', ['-c', 'ps -o pgid= -p $$; ps -o pgid= -p $PPID']);
    const [own, parent] = result.stdout.trim().split(/\s+/).map(Number);
    expect(own).not.toBe(parent);
    expect(parent).toBe(Number((await runCommand('ps', ['-o', 'pgid=', '-p', String(process.pid)])).stdout));
  });

  test('an abort stops the child and what it started (its whole group)', async () => {
    const controller = new AbortController();
    let grandchild = 0;
    const run = runCommand('sh', ['-c', 'sleep 300 & echo $!; wait'], {
      signal: controller.signal,
      onLine: (line) => {
        grandchild = Number(line);
        controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/aborted/);
    expect(grandchild).toBeGreaterThan(0);
    await expect.poll(() => alive(grandchild), { timeout: 5000 }).toBe(false);
  });

  test('finishOnAbort leaves the child to finish; signalLiveChildren ends every child still running', async () => {
    const controller = new AbortController();
    controller.abort();
    const finished = await runCommand('sh', ['-c', 'sleep 0.2; echo done'], {
      signal: controller.signal,
      finishOnAbort: true,
    });
    expect(finished.stdout).toBe('done\n');
    const long = runCommand('sleep', ['300']).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(signalLiveChildren('SIGKILL')).toBe(1);
    expect(await liveChildrenExited(5000)).toBe(0);
    expect(String(await long)).toMatch(/killed by SIGKILL/);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
