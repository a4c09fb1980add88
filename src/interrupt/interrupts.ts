// What a Ctrl-C (SIGINT) or SIGTERM does to a command, decided in one place: main.ts installs the
// handlers, commands say how they want to be stopped and what they hold outside the process.
//   - stop (the default): nothing to clean up; the first interrupt ends the subprocesses and exits.
//   - clean (run, up, init while writing): the first interrupt aborts `signal`; the command stops,
//     removes what it started, says what it removed, and returns 130.
//   - finish (down): the command goes on (its work is the cleanup) and returns 130 when done.
// A second interrupt always stops at once: the subprocesses are killed, and what is still held is
// printed with the command that removes it.

/** Something a command made outside this process and has not removed yet. */
export interface Leftover {
  /** What it is, for people; a function when it changes as the command goes on. */
  what: string | (() => string);
  /** The command a person runs to remove it when incluster could not. */
  removeWith: string;
}

/** How a command wants the first interrupt handled. */
type Mode = { kind: 'stop' } | { kind: 'clean' } | { kind: 'finish'; doing: string };

/** What the handler needs of the process, injected so it can be tested without signals. */
export interface InterruptHost {
  write(text: string): void;
  /** Whether messages go to a terminal (a spinner may have hidden the cursor). */
  terminal: boolean;
  exit(status: number): never;
  /** Sends a signal to every live subprocess (its process group); returns how many there were. */
  signalChildren(signal: NodeJS.Signals): number;
  /** Resolves when every subprocess has exited or `ms` passed; returns how many still run. */
  childrenExited(ms: number): Promise<number>;
}

/** The exit status of an interrupted command (128 + SIGINT), whatever the signal. */
export const INTERRUPTED = 130;
/** How long subprocesses get to stop on SIGTERM before they are killed, when stopping at the first interrupt. */
const CHILD_GRACE_MS = 2_000;
const SHOW_CURSOR = '\u001B[?25h';

/** One CLI invocation's interrupt state: the abort signal, the mode, and what is held. */
export class Interrupts {
  private readonly controller = new AbortController();
  private readonly held = new Map<number, Leftover>();
  private nextId = 0;
  private mode: Mode = { kind: 'stop' };
  private count = 0;

  /** Aborted on the first interrupt of a command that cleans up. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The command stops and removes what it started on the first interrupt (watching `signal`). */
  cleansUp(): void {
    this.mode = { kind: 'clean' };
  }

  /** The command goes on after the first interrupt; `doing` says what, e.g. "down goes on removing the cluster". */
  finishes(doing: string): void {
    this.mode = { kind: 'finish', doing };
  }

  /** Back to stopping at once (e.g. init after its writes). */
  stopsAtOnce(): void {
    this.mode = { kind: 'stop' };
  }

  /** Notes that `leftover` exists until the returned function is called. */
  hold(leftover: Leftover): () => void {
    const id = (this.nextId += 1);
    this.held.set(id, leftover);
    return () => this.held.delete(id);
  }

  /** What is held now, each with the command that removes it. */
  leftovers(): { what: string; removeWith: string }[] {
    return [...this.held.values()].map((item) => ({
      what: typeof item.what === 'function' ? item.what() : item.what,
      removeWith: item.removeWith,
    }));
  }

  /** Handles one SIGINT/SIGTERM; main.ts calls it from its signal handlers. */
  async interrupt(signal: NodeJS.Signals, host: InterruptHost): Promise<void> {
    this.count += 1;
    const restore = host.terminal ? SHOW_CURSOR : '';
    if (this.count > 1) {
      host.signalChildren('SIGKILL');
      host.write(`${restore}\nincluster: ${signal} again: stopped at once. ${this.describeLeftovers()}\n`);
      host.exit(INTERRUPTED);
    }
    if (this.mode.kind === 'stop') {
      host.write(`${restore}\nincluster: ${signal} received; nothing to clean up, stopping\n`);
      this.controller.abort(new Error(`interrupted by ${signal}`));
      if (host.signalChildren('SIGTERM') > 0 && (await host.childrenExited(CHILD_GRACE_MS)) > 0)
        host.signalChildren('SIGKILL');
      host.exit(INTERRUPTED);
    }
    const doing = this.mode.kind === 'finish' ? this.mode.doing : 'cleaning up';
    host.write(`\nincluster: ${signal} received, ${doing} (send again to stop at once)\n`);
    this.controller.abort(new Error(`interrupted by ${signal}`));
  }

  /** `Left behind: … Remove it with: …`, or that nothing is left. */
  private describeLeftovers(): string {
    const items = this.leftovers();
    if (items.length === 0) return 'Nothing of this command is left behind.';
    const lines = ['Left behind:'];
    for (const item of items) lines.push(`  - ${item.what}`);
    const commands = [...new Set(items.map((item) => item.removeWith))];
    lines.push(`Remove ${items.length === 1 ? 'it' : 'them'} with:`);
    for (const command of commands) lines.push(`  ${command}`);
    return lines.join('\n');
  }
}
