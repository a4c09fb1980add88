// The first and second interrupt, decided in one place (src/interrupt/interrupts.ts), with the
// process's side (writes, exit, subprocesses) recorded instead of done.
import { describe, expect, test } from 'vitest';
import { Interrupts, type InterruptHost } from '../../../src/interrupt/interrupts.ts';

class Exited extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`exit ${status}`);
    this.status = status;
  }
}

/** A host that records what the handler did; `exit` throws, as process.exit never returns. */
function recordingHost(options: { children?: number; stubborn?: boolean } = {}) {
  const log: string[] = [];
  let children = options.children ?? 0;
  const host: InterruptHost = {
    write: (text) => log.push(`write ${text.trim()}`),
    terminal: true,
    exit: (status) => {
      throw new Exited(status);
    },
    signalChildren: (signal) => {
      log.push(`children ${signal}`);
      const had = children;
      if (signal === 'SIGKILL' || !options.stubborn) children = 0;
      return had;
    },
    childrenExited: () => Promise.resolve(children),
  };
  return { host, log };
}

describe('a first interrupt', { tags: ['001-FR-133'] }, () => {
  test('of a command with nothing to clean up stops its subprocesses and exits 130 at once', async () => {
    const interrupts = new Interrupts();
    const { host, log } = recordingHost({ children: 1, stubborn: true });
    await expect(interrupts.interrupt('SIGINT', host)).rejects.toEqual(new Exited(130));
    expect(log[0]).toMatch(/SIGINT received; nothing to clean up, stopping/);
    // SIGTERM first; a child still running after the grace is killed.
    expect(log.slice(1)).toEqual(['children SIGTERM', 'children SIGKILL']);
  });

  test('of a command that cleans up aborts its signal and leaves it to finish', async () => {
    const interrupts = new Interrupts();
    interrupts.cleansUp();
    const { host, log } = recordingHost();
    await interrupts.interrupt('SIGTERM', host);
    expect(interrupts.signal.aborted).toBe(true);
    expect(log).toEqual(['write incluster: SIGTERM received, cleaning up (send again to stop at once)']);
  });

  test('of down says it goes on', async () => {
    const interrupts = new Interrupts();
    interrupts.finishes('down goes on removing the cluster');
    const { host, log } = recordingHost();
    await interrupts.interrupt('SIGINT', host);
    expect(log).toEqual([
      'write incluster: SIGINT received, down goes on removing the cluster (send again to stop at once)',
    ]);
  });
});

describe('a second interrupt', { tags: ['001-FR-133'] }, () => {
  test('kills the subprocesses and names what is left with the command that removes it', async () => {
    const interrupts = new Interrupts();
    interrupts.cleansUp();
    let job = 'namespace incluster-run-x (its Job, Pod)';
    const releaseRun = interrupts.hold({ what: () => job, removeWith: 'incluster sweep --run x' });
    interrupts.hold({ what: 'the local cluster floe-test', removeWith: 'incluster down --provider local' });
    const { host, log } = recordingHost({ children: 2 });
    await interrupts.interrupt('SIGINT', host);
    job = 'namespace incluster-run-x';
    await expect(interrupts.interrupt('SIGINT', host)).rejects.toEqual(new Exited(130));
    expect(log.slice(1)).toEqual([
      'children SIGKILL',
      [
        'write \u001B[?25h',
        'incluster: SIGINT again: stopped at once. Left behind:',
        '  - namespace incluster-run-x',
        '  - the local cluster floe-test',
        'Remove them with:',
        '  incluster sweep --run x',
        '  incluster down --provider local',
      ].join('\n'),
    ]);
    releaseRun();
    expect(interrupts.leftovers()).toEqual([
      { what: 'the local cluster floe-test', removeWith: 'incluster down --provider local' },
    ]);
  });

  test('says when nothing is left', async () => {
    const interrupts = new Interrupts();
    interrupts.cleansUp();
    const { host, log } = recordingHost();
    await interrupts.interrupt('SIGINT', host);
    await expect(interrupts.interrupt('SIGINT', host)).rejects.toEqual(new Exited(130));
    expect(log.at(-1)).toMatch(/stopped at once\. Nothing of this command is left behind\.$/);
  });
});
