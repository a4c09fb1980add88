// Secrets a test itself prints (console.log of the password) or puts into an assertion message
// (`expect(password).toBe('x')` shows the value in message, diff and stack) reach Vitest's own
// reporters, which write console output, JUnit and JSON. This reporter masks them in place before
// the others see them (FR-051). It works because Vitest calls every reporter's hook synchronously in
// list order (`Promise.all(reporters.map(r => r.hook(...)))`) with the very objects it keeps in its
// state: the log it stored on the task, the errors of the task's result. So it must come first, and
// every hook here is synchronous. `withRequirements` puts it first, also when `--reporter` on the
// command line replaced the configured reporters.
import { stripVTControlCharacters } from 'node:util';
import type { TestAnnotation, UserConsoleLog } from 'vitest';
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';
import { redactor as sharedRedactor, type Redactor } from './redactor.ts';
import { SECRET_RELAY_ENV, SecretRelay } from './secret-relay.ts';
import { credentialEnvValues, readSecretValues, type SecretReference } from './secret-sources.ts';

/** Which values to mask besides the Redactor's patterns, and where to learn them. */
export interface RedactingReporterOptions {
  /** Secrets to read at start with the local kube credentials (the config's PostgreSQL Secret). */
  secrets?: SecretReference[];
  /** Environment whose credential-named variables are secrets; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default the process-wide redactor. */
  redactor?: Redactor;
  /** Let workers send the values they learn through a private file (default true). */
  relay?: boolean;
  /** Upper bound for reading `secrets`; default 5 s. */
  secretsTimeoutMs?: number;
}

/** Marks the instance, so the config plugin finds it even when it came from another module copy. */
export const REDACTING_REPORTER: unique symbol = Symbol.for('incluster.redacting-reporter');

type TaskResultPack = readonly [id: string, result: unknown, meta: unknown];

/** Vitest reporter that masks secret values in logs and errors before the other reporters read them. */
export class RedactingReporter implements Reporter {
  readonly [REDACTING_REPORTER] = true;
  /** The values and patterns masked; exposed so tests and other reporters can reuse it. */
  readonly redactor: Redactor;
  /** The Secrets read at start. */
  readonly secrets: readonly SecretReference[];
  private readonly options: RedactingReporterOptions;
  private relay: SecretRelay | undefined;
  private learning: Promise<unknown> | undefined;

  constructor(options: RedactingReporterOptions = {}) {
    this.options = options;
    this.redactor = options.redactor ?? sharedRedactor;
    this.secrets = options.secrets ?? [];
  }

  onInit(_vitest?: Vitest): void {
    const env = this.options.env ?? process.env;
    for (const value of credentialEnvValues(env)) this.redactor.add(value);
    if (this.options.relay !== false && !this.relay) {
      this.relay = SecretRelay.open();
      if (this.relay) {
        // Workers inherit the main process's environment when the run starts, after onInit.
        process.env[SECRET_RELAY_ENV] = this.relay.path;
        process.once('exit', this.closeOnExit);
      }
    }
    // Started here, awaited before the first test runs: overlaps Vitest's own start-up.
    this.learning ??= readSecretValues(this.secrets, this.redactor, {
      env,
      timeoutMs: this.options.secretsTimeoutMs,
    });
  }

  async onTestRunStart(): Promise<void> {
    await this.learning;
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    this.refresh();
    log.content = this.text(log.content);
    if (log.origin) log.origin = this.text(log.origin);
  }

  onTestCaseResult(testCase: TestCase): void {
    this.refresh();
    this.maskTest(testCase);
  }

  onTestCaseAnnotate(_testCase: TestCase, annotation: TestAnnotation): void {
    this.refresh();
    this.mask(annotation);
  }

  onTestSuiteResult(testSuite: TestSuite): void {
    this.refresh();
    this.maskSuite(testSuite);
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.refresh();
    this.maskSuite(testModule);
  }

  /** Not in Vitest's Reporter type but still called: results that arrive without an event. */
  onTaskUpdate(packs: ReadonlyArray<TaskResultPack>): void {
    this.refresh();
    for (const [, result, meta] of packs) {
      this.mask(result);
      this.mask(meta);
    }
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown> = []): void {
    // Last pass with everything learned by now: JUnit and JSON are written from this state.
    this.refresh();
    for (const testModule of testModules) this.maskSuite(testModule);
    for (const error of unhandledErrors) this.mask(error);
  }

  /** Deletes the relay file now rather than at exit (tests; programmatic runs). */
  close(): void {
    process.off('exit', this.closeOnExit);
    this.relay?.close();
    this.relay = undefined;
  }

  private readonly closeOnExit = (): void => this.relay?.close();

  private refresh(): void {
    this.relay?.drainInto(this.redactor);
  }

  private maskTest(testCase: TestCase): void {
    this.mask(testCase.result().errors);
    for (const attempt of testCase.attempts()) this.mask(attempt.errors);
    for (const log of testCase.logs()) this.mask(log);
    this.mask(testCase.annotations());
    this.mask(testCase.meta());
  }

  private maskSuite(suite: TestSuite | TestModule): void {
    this.mask(suite.errors());
    for (const log of suite.logs()) this.mask(log);
    this.mask(suite.meta());
    for (const child of suite.children.allSuites()) {
      this.mask(child.errors());
      for (const log of child.logs()) this.mask(log);
    }
    for (const test of suite.children.allTests()) this.maskTest(test);
  }

  private mask(value: unknown): void {
    redactInPlace(value, (text) => this.text(text));
  }

  private text(text: string): string {
    return redactText(text, this.redactor);
  }
}

/**
 * The text with secrets masked, also when colour codes split a value (a highlighted diff): such text
 * loses its colours, since JUnit strips the codes and would otherwise show the value whole.
 */
export function redactText(text: string, redactor: Redactor): string {
  const masked = redactor.redact(text);
  if (!masked.includes('\u001b')) return masked;
  const plain = stripVTControlCharacters(masked);
  const plainMasked = redactor.redact(plain);
  return plainMasked === plain ? masked : plainMasked;
}

/** Replaces every string reachable from `value` (objects, arrays, Error message/stack) by `redact(string)`. */
export function redactInPlace(
  value: unknown,
  redact: (text: string) => string,
  seen: WeakSet<object> = new WeakSet(),
): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  // Errors built in this process keep message and stack as non-enumerable properties.
  const keys = new Set(Object.keys(record));
  if (value instanceof Error) for (const key of ['message', 'stack', 'cause']) keys.add(key);
  for (const key of keys) {
    const child = record[key];
    if (typeof child !== 'string') {
      redactInPlace(child, redact, seen);
      continue;
    }
    const masked = redact(child);
    if (masked === child) continue;
    try {
      record[key] = masked;
    } catch {
      // A frozen object cannot be masked; nothing here freezes what Vitest reports.
    }
  }
}
