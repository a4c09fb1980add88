// Progress for people: one status line per phase, with its duration when it ends. A spinner on a
// terminal, plain lines elsewhere (CI logs). Progress goes to stderr; results go to stdout.
import type { Writable } from 'node:stream';
import { formatDuration } from '../duration.ts';
import yoctoSpinner from 'yocto-spinner';
import { verboseEnabled } from '../verbose/log.ts';

export interface PhaseTiming {
  name: string;
  ms: number;
  ok: boolean;
}

/** Reports named phases of a long operation and remembers their timings for reports. */
export class Status {
  readonly timings: PhaseTiming[] = [];
  private readonly stream: Writable & { isTTY?: boolean };
  private readonly interactive: boolean;
  private current:
    { name: string; started: number; spinner: ReturnType<typeof yoctoSpinner> | undefined } | undefined;

  constructor(stream: Writable & { isTTY?: boolean }, options: { interactive?: boolean } = {}) {
    this.stream = stream;
    // Under --verbose, plain lines: a spinner would redraw over the verbose lines written between frames.
    this.interactive = options.interactive ?? (Boolean(stream.isTTY) && !process.env.CI && !verboseEnabled());
  }

  /** Starts a phase; an unfinished previous phase is ended as successful first. */
  start(name: string): void {
    if (this.current) this.end(true);
    // handleSignals: false, or the spinner installs SIGINT/SIGTERM handlers that call process.exit
    // and end the process before main.ts's interrupt handling removes what the command created.
    const spinner = this.interactive
      ? yoctoSpinner({ text: name, stream: this.stream, handleSignals: false }).start()
      : undefined;
    if (!spinner) this.stream.write(`• ${name} …\n`);
    this.current = { name, started: performance.now(), spinner };
  }

  /** Updates the running phase's detail (e.g. "3/6 binaries"). */
  update(detail: string): void {
    if (!this.current) return;
    if (this.current.spinner) this.current.spinner.text = `${this.current.name}: ${detail}`;
    else this.stream.write(`  ${detail}\n`);
  }

  /** Ends the running phase, recording its duration. */
  end(ok: boolean, note?: string): void {
    const phase = this.current;
    if (!phase) return;
    this.current = undefined;
    const ms = performance.now() - phase.started;
    this.timings.push({ name: phase.name, ms, ok });
    const line = `${phase.name} (${formatDuration(ms)})${note ? ` ${note}` : ''}`;
    if (phase.spinner) {
      if (ok) phase.spinner.success(line);
      else phase.spinner.error(line);
    } else {
      this.stream.write(`${ok ? '✓' : '✗'} ${line}\n`);
    }
  }

  /** Runs `work` as a phase: ended as failed if it throws. */
  async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.start(name);
    try {
      const result = await work();
      this.end(true);
      return result;
    } catch (error) {
      this.end(false);
      throw error;
    }
  }

  /** A one-off message, kept clear of the spinner. */
  info(message: string): void {
    if (this.current?.spinner) {
      // Redraws itself on the next frame, below the message.
      this.current.spinner.clear();
      this.stream.write(`${message}\n`);
    } else {
      this.stream.write(`${message}\n`);
    }
  }
}
