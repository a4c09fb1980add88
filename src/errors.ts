// Error classes with stable codes. Every error that reaches the CLI carries the exit status it maps to,
// so `main()` is the only place that turns failures into a process exit.

/** Exit statuses shared by every command. */
export const ExitStatus = {
  ok: 0,
  /** Tests failed, or a gate (coverage threshold, untagged tests) failed. */
  failed: 1,
  /** Bad command line, bad configuration or bad input file. */
  usage: 2,
  /** The cluster, a container runtime or another part of the infrastructure failed. */
  infrastructure: 3,
  /** Interrupted by SIGINT or SIGTERM (128 + 2, the shell's convention), after cleaning up. */
  interrupted: 130,
} as const;
export type ExitStatus = (typeof ExitStatus)[keyof typeof ExitStatus];

export interface InclusterErrorOptions {
  cause?: unknown;
  /** What the user can do about it, printed after the message. */
  hint?: string;
}

/** Base class: a short message first, a stable `code`, details in `hint` and `cause`. */
export class InclusterError extends Error {
  readonly code: string;
  readonly exitStatus: ExitStatus;
  readonly hint: string | undefined;

  constructor(code: string, exitStatus: ExitStatus, message: string, options: InclusterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitStatus = exitStatus;
    this.hint = options.hint;
  }
}

/** The user asked for something malformed: a flag, an argument, an input file. Exit 2. */
export class UsageError extends InclusterError {
  constructor(message: string, options: InclusterErrorOptions = {}) {
    super('INCLUSTER_USAGE', ExitStatus.usage, message, options);
  }
}

/** A configuration file does not match the schema. Names the file, the field path and the expectation. */
export class ConfigError extends InclusterError {
  readonly file: string;
  readonly fieldPath: string;
  readonly line: number | undefined;

  constructor(
    file: string,
    fieldPath: string,
    expected: string,
    line?: number,
    options: InclusterErrorOptions = {},
  ) {
    const where = line === undefined ? file : `${file}:${line}`;
    super(
      'INCLUSTER_CONFIG_INVALID',
      ExitStatus.usage,
      `${where}: ${fieldPath || '(root)'}: ${expected}`,
      options,
    );
    this.file = file;
    this.fieldPath = fieldPath;
    this.line = line;
  }
}

/** Something outside the tests broke: the cluster, the runtime, a build. Exit 3, with the reason named. */
export class InfrastructureError extends InclusterError {
  /** A short machine-readable reason, e.g. `ImagePullBackOff`, `OOMKilled`, `ClusterUnreachable`. */
  readonly reason: string;

  constructor(reason: string, message: string, options: InclusterErrorOptions = {}) {
    super('INCLUSTER_INFRASTRUCTURE', ExitStatus.infrastructure, message, options);
    this.reason = reason;
  }
}

/** Renders an error for a person: message, then hint, then the chain of causes; never a stack trace. */
export function describeError(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  let depth = 0;
  while (current !== undefined && depth < 6) {
    const message =
      current instanceof Error
        ? current.message
        : typeof current === 'string'
          ? current
          : JSON.stringify(current);
    lines.push(depth === 0 ? message : `  caused by: ${causeLine(message)}`);
    if (depth === 0 && current instanceof InclusterError && current.hint)
      lines.push(`  hint: ${current.hint}`);
    current = current instanceof Error ? current.cause : undefined;
    depth += 1;
  }
  return lines.join('\n');
}

/** Longest cause line shown; the full text is in the error's `cause` for a debugger. */
const MAX_CAUSE_LENGTH = 300;

/** The first line of `text`: a one-line reason from a message that may go on for pages. */
export function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** The first line of describeError(error), the error's own message: for one line of a report. */
export function describeErrorBriefly(error: unknown): string {
  return firstLine(describeError(error));
}

/**
 * The first line of a cause, shortened: some libraries put a whole HTTP response (status, body,
 * every header) into an error's message, which buries the sentence above it that explains.
 */
function causeLine(message: string): string {
  const lines = message.trim().split('\n');
  const first = lines[0]!.trim();
  const shortened = first.length > MAX_CAUSE_LENGTH ? `${first.slice(0, MAX_CAUSE_LENGTH)}…` : first;
  return lines.length > 1 || shortened !== first ? `${shortened} (…)` : first;
}

/** The exit status an error maps to: its own for ours, 3 (infrastructure) for anything unexpected. */
export function exitStatusOf(error: unknown): ExitStatus {
  return error instanceof InclusterError ? error.exitStatus : ExitStatus.infrastructure;
}
