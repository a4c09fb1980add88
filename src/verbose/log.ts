// --verbose: one process-wide place where the Kubernetes requests, the external commands and the
// decisions a person would otherwise have to guess (a runner.env value replacing a service's) are
// written, each line redacted. Off unless the CLI turns it on; a library user's code pays nothing.
import { redactor as sharedRedactor, type Redactor } from '../redaction/redactor.ts';

interface Sink {
  write: (text: string) => void;
  redactor: Redactor;
}

let sink: Sink | undefined;

/** Starts writing verbose lines to `write`; returns the function that stops it. */
export function startVerbose(write: (text: string) => void, redactor: Redactor = sharedRedactor): () => void {
  const own: Sink = { write, redactor };
  sink = own;
  return () => {
    if (sink === own) sink = undefined;
  };
}

/** Whether --verbose is on (so a caller can skip work only a verbose line needs). */
export function verboseEnabled(): boolean {
  return sink !== undefined;
}

/** Writes `text` as one verbose line (redacted), when --verbose is on. */
export function verboseLine(text: string): void {
  sink?.write(`verbose: ${sink.redactor.redact(text)}\n`);
}

/** The redactor verbose lines go through, for callers that shape a value first (argv). */
export function verboseRedactor(): Redactor {
  return sink?.redactor ?? sharedRedactor;
}
