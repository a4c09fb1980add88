// Secret values must never reach console output, failure bundles, JUnit files or reports (FR-051).
// The redactor learns every Secret value read through a KubeClient and also hides well-known shapes
// of credentials (password=…, bearer tokens, private keys) that it was never told about.
// The rest of src/redaction/ brings what it knows to every place output leaves a Vitest run:
// reporter.ts (the main process's reporters), secret-relay.ts (values learned by workers),
// secret-sources.ts (values known before any test runs), worker-setup.ts and stream-writes.ts
// (what a worker writes straight to its own stdout and stderr).

const MASK = '[REDACTED]';

/** Patterns of credentials worth hiding even when their value was never read through a client. */
const PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /(\bauthorization:\s*(?:bearer|basic)\s+)[^\s"']+/gi,
  /(\b(?:password|passwd|pgpassword|secret|token|api[_-]?key)\b["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
  /(postgres(?:ql)?:\/\/[^:/\s]+:)[^@\s]+(@)/gi,
];

/** Hides known secret values and credential-shaped text in strings and JSON-like data. */
export class Redactor {
  private readonly values = new Set<string>();
  private readonly listeners = new Set<(value: string) => void>();
  private pattern: RegExp | undefined;

  /** Remembers a secret value (and its base64 form) so later text containing it is masked. */
  add(value: string | undefined | null): void {
    if (!value || value.length < 4) return; // masking "a" or "1" would shred every log line
    const before = this.values.size;
    this.values.add(value);
    this.values.add(Buffer.from(value, 'utf8').toString('base64'));
    if (this.values.size === before) return;
    this.pattern = undefined;
    for (const listener of this.listeners) listener(value);
  }

  /**
   * Calls `listener` with every value known so far and each one learned later, so another process
   * (the Vitest main process, for a worker) can mask them too; returns the unsubscribe function.
   */
  onLearn(listener: (value: string) => void): () => void {
    for (const value of this.values) listener(value);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Learns the values of a Secret or SecretList (typed client objects or raw JSON). */
  learnFrom(data: unknown): void {
    if (data === null || typeof data !== 'object') return;
    const object = data as { kind?: unknown; items?: unknown; data?: unknown; stringData?: unknown };
    if (Array.isArray(object.items)) {
      for (const item of object.items) this.learnFrom(item);
      return;
    }
    const looksLikeSecret =
      object.kind === 'Secret' || (object.kind === undefined && isStringMap(object.data));
    if (!looksLikeSecret) return;
    if (isStringMap(object.data))
      for (const encoded of Object.values(object.data)) {
        this.add(encoded);
        this.add(Buffer.from(encoded, 'base64').toString('utf8'));
      }
    if (isStringMap(object.stringData)) for (const value of Object.values(object.stringData)) this.add(value);
  }

  /** The text with every known value and credential pattern replaced by [REDACTED]. */
  redact(text: string): string {
    let out = text;
    const known = this.knownPattern();
    if (known) out = out.replace(known, MASK);
    for (const pattern of PATTERNS)
      out = out.replace(pattern, (match, prefix?: string, suffix?: string) =>
        typeof prefix === 'string' ? `${prefix}${MASK}${typeof suffix === 'string' ? suffix : ''}` : MASK,
      );
    return out;
  }

  /** Deep-copies JSON-like data, redacting every string and dropping Secret `data`/`stringData` values. */
  redactData<T>(data: T): T {
    return JSON.parse(
      JSON.stringify(data, (key, value: unknown) => {
        if ((key === 'data' || key === 'stringData') && isStringMap(value))
          return Object.fromEntries(Object.keys(value).map((k) => [k, MASK]));
        return typeof value === 'string' ? this.redact(value) : value;
      }),
    ) as T;
  }

  private knownPattern(): RegExp | undefined {
    if (this.values.size === 0) return undefined;
    // Longest first, so a value containing another is masked whole.
    this.pattern ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return this.pattern;
  }
}

/** The process-wide redactor every KubeClient registers Secret values with by default. */
export const redactor: Redactor = new Redactor();

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
