import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Redactor } from '../../../src/redaction/redactor.ts';
import { runCommand } from '../../../src/process/exec.ts';
import { RedactingReporter, redactInPlace, redactText } from '../../../src/redaction/reporter.ts';
import { SECRET_RELAY_ENV, relayLearnedSecrets } from '../../../src/redaction/secret-relay.ts';

const ROOT = join(import.meta.dirname, '../../..');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const FIXTURE_CONFIG = join(ROOT, 'test/fixtures/redaction/vitest.config.ts');

const reporters: RedactingReporter[] = [];
const relayBefore = process.env[SECRET_RELAY_ENV];
afterEach(() => {
  for (const reporter of reporters.splice(0)) reporter.close();
  // onInit names its relay to the workers through process.env; this worker's own must survive.
  if (relayBefore === undefined) delete process.env[SECRET_RELAY_ENV];
  else process.env[SECRET_RELAY_ENV] = relayBefore;
});

function reporter(env: NodeJS.ProcessEnv = {}): RedactingReporter {
  const made = new RedactingReporter({ env, redactor: new Redactor() });
  reporters.push(made);
  made.onInit();
  return made;
}

describe('redactInPlace and redactText', { tags: ['001-FR-051'] }, () => {
  test('mask every string of nested objects, arrays and Error instances, cycles included', () => {
    const redactor = new Redactor();
    redactor.add('hunter2-long');
    const error = new Error('bad hunter2-long');
    const value: Record<string, unknown> = {
      message: 'expected hunter2-long',
      diff: ['- x', '+ hunter2-long'],
      nested: { expected: "'hunter2-long'", count: 3, fine: 'nothing here' },
      error,
    };
    value.self = value;
    redactInPlace(value, (text) => redactor.redact(text));
    expect(value).toMatchObject({
      message: 'expected [REDACTED]',
      diff: ['- x', '+ [REDACTED]'],
      nested: { expected: "'[REDACTED]'", count: 3, fine: 'nothing here' },
    });
    expect(error.message).toBe('bad [REDACTED]');
    expect(error.stack).not.toContain('hunter2-long');
  });

  test('a value split by colour codes is found and the text loses its colours', () => {
    const redactor = new Redactor();
    redactor.add('hunter2-long');
    const coloured = '+ "hunter2-\u001b[7mlong\u001b[27m"';
    expect(redactText(coloured, redactor)).toBe('+ "[REDACTED]"');
    const harmless = '\u001b[32m+ fine\u001b[39m';
    expect(redactText(harmless, redactor)).toBe(harmless);
  });
});

describe('RedactingReporter hooks', { tags: ['001-FR-051'] }, () => {
  test('learn credential-named variables, not flags, numbers, paths or other names', () => {
    const made = reporter({
      PGPASSWORD: 'pg-secret-value',
      NPM_TOKEN: 'npm_abcdef123',
      AWS_SECRET_ACCESS_KEY: 'aws/key+value',
      SECRET_SCANNING: 'true',
      TOKEN_COUNT: '123456',
      GOOGLE_APPLICATION_CREDENTIALS: '/home/me/key.json',
      HOME: 'home-directory-value',
    });
    const text =
      'pg-secret-value npm_abcdef123 aws/key+value true 123456 /home/me/key.json home-directory-value';
    expect(made.redactor.redact(text)).toBe(
      '[REDACTED] [REDACTED] [REDACTED] true 123456 /home/me/key.json home-directory-value',
    );
  });

  test('a console log is masked in place, so every later reporter prints the masked text', () => {
    const made = reporter({ DB_PASSWORD: 'db-secret-value' });
    const log = {
      content: 'connecting with db-secret-value',
      origin: 'at db-secret-value',
      type: 'stdout' as const,
      time: 0,
      size: 1,
    };
    made.onUserConsoleLog(log);
    expect(log).toMatchObject({ content: 'connecting with [REDACTED]', origin: 'at [REDACTED]' });
  });

  test('values a worker relays are masked from the next hook on', async () => {
    const made = reporter();
    const path = process.env[SECRET_RELAY_ENV];
    expect(path).toBeDefined();
    // A worker's process-wide redactor, relaying to the file the reporter named.
    const worker = new Redactor();
    relayLearnedSecrets(worker, { [SECRET_RELAY_ENV]: path });
    worker.add('line one\nline two of a secret');
    const log = { content: 'got line one\nline two of a secret', type: 'stdout' as const, time: 0, size: 1 };
    made.onUserConsoleLog(log);
    expect(log.content).toBe('got [REDACTED]');
    made.close();
    await expect(readdir(join(path!, '..'))).rejects.toThrow(/ENOENT/);
  });

  test('errors of task updates and of unhandled errors are masked in place', () => {
    const made = reporter({ API_KEY: 'key-0123456789' });
    const result = { state: 'fail', errors: [{ message: 'key-0123456789', diff: '+ key-0123456789' }] };
    const meta = { note: 'key-0123456789' };
    made.onTaskUpdate([['id', result, meta]]);
    expect(result.errors[0]).toEqual({ message: '[REDACTED]', diff: '+ [REDACTED]' });
    expect(meta.note).toBe('[REDACTED]');
    const unhandled = { message: 'boom key-0123456789', stack: 'Error: boom key-0123456789' };
    made.onTestRunEnd([], [unhandled]);
    expect(unhandled).toEqual({ message: 'boom [REDACTED]', stack: 'Error: boom [REDACTED]' });
  });
});

/** Every file under `dir` with its text. */
async function everyFile(dir: string): Promise<{ name: string; text: string }[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    names
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        return { name: path.slice(dir.length + 1), text: await readFile(path, 'utf8') };
      }),
  );
}

/** Runs the leaky fixture project in a nested Vitest; returns what it printed and wrote. */
async function leakyRun(mode: 'cli' | 'config' | 'off'): Promise<{
  secrets: string[];
  printed: string;
  files: { name: string; text: string }[];
}> {
  const out = await mkdtemp(join(tmpdir(), 'incluster-redaction-'));
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const learned = `learned-${randomBytes(8).toString('hex')}`;
  const cliReporters = [
    '--reporter=default',
    '--reporter=junit',
    '--reporter=json',
    `--outputFile.junit=${join(out, 'junit.xml')}`,
    `--outputFile.json=${join(out, 'report.json')}`,
  ];
  const result = await runCommand(
    process.execPath,
    [VITEST, 'run', '--config', FIXTURE_CONFIG, ...(mode === 'config' ? [] : cliReporters)],
    {
      cwd: ROOT,
      allowFailure: true,
      timeoutMs: 60_000,
      env: {
        ...process.env,
        FORCE_COLOR: '1',
        FIXTURE_PASSWORD: password,
        FIXTURE_LEARNED: learned,
        REDACTION_OUT: out,
        REDACTION_REPORTERS: mode === 'config' ? 'config' : 'cli',
        REDACTION_OFF: mode === 'off' ? '1' : '0',
      },
    },
  );
  expect(result.exitCode, result.stdout + result.stderr).toBe(1);
  const secrets = [password, learned].flatMap((value) => [value, Buffer.from(value).toString('base64')]);
  return { secrets, printed: result.stdout + result.stderr, files: await everyFile(out) };
}

/** Where any of `secrets` appears: `console` or a file name. */
function leaksOf(run: Awaited<ReturnType<typeof leakyRun>>): string[] {
  const places = [{ name: 'console', text: run.printed }, ...run.files];
  return places
    .filter((place) => run.secrets.some((secret) => place.text.includes(secret)))
    .map((place) => place.name);
}

describe('secrets a test prints or asserts on, in a real nested Vitest run', { tags: ['001-FR-051'] }, () => {
  test(
    'without the redaction they reach the console, JUnit and JSON (the control)',
    { timeout: 60_000 },
    async () => {
      const run = await leakyRun('off');
      expect(leaksOf(run).sort()).toEqual(['console', 'junit.xml', 'report.json']);
    },
  );

  test(
    'with --reporter on the command line, no reporter writes them: console, JUnit, JSON',
    { timeout: 60_000 },
    async () => {
      const run = await leakyRun('cli');
      expect(run.files.map((f) => f.name).sort()).toEqual(['junit.xml', 'report.json']);
      expect(leaksOf(run)).toEqual([]);
      for (const place of [run.printed, ...run.files.map((f) => f.text)])
        expect(place).toContain('[REDACTED]');
    },
  );

  test(
    'with the reporters in the config, neither they nor the evidence files hold them',
    { timeout: 60_000 },
    async () => {
      const run = await leakyRun('config');
      expect(run.files.map((f) => f.name).sort()).toEqual([
        'junit.xml',
        'report.json',
        'traceability.json',
        'traceability.junit.xml',
      ]);
      expect(leaksOf(run)).toEqual([]);
      const junit = run.files.find((f) => f.name === 'junit.xml')!.text;
      // Console output, assertion message, diff, annotation and error cause were all there to leak.
      expect(junit).toContain('password [REDACTED] learned [REDACTED]');
      expect(junit).toContain('the message holds [REDACTED]');
      expect(junit).toContain('annotated [REDACTED]');
      expect(junit).toContain('inner [REDACTED]');
    },
  );
});
