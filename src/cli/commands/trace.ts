// `incluster trace`: requirement coverage of the tests, and the CI gate on it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { inGitHubActions } from '../../ci/github.ts';
import { ExitStatus, UsageError } from '../../errors.ts';
import { findConfigFile } from '../../config/find.ts';
import { traceDefaults } from '../../config/trace-defaults.ts';
import { Status } from '../../progress/status.ts';
import type { TraceReport } from '../../trace/report-schema.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { offerValues } from '../completion/values.ts';

interface TraceOptions {
  config?: string;
  threshold?: string;
  format: string;
  json?: boolean;
  out?: string;
  requirePassing?: string[];
  confirm?: boolean;
  failOnSuspect?: boolean;
  allowUnverified?: boolean;
  cache: boolean;
}

const FORMATS = ['table', 'json', 'md', 'html'] as const;
type Format = (typeof FORMATS)[number];

/** Builds the `trace` command. */
export function traceCommand(ctx: CommandContext): Command {
  return defineCommand<TraceOptions>(ctx, {
    name: 'trace',
    summary: 'report which requirements the tests cover, and gate on it',
    description:
      'Reads the requirements from the spec files and the requirement IDs tagged on each test (without running the tests), and reports coverage, untagged tests, unknown IDs and suspect links. Exits 1 when coverage is below the threshold, a test has no requirement ID (unless trace.allowUntagged), an ID is unknown or malformed, a tag cannot be resolved statically, or (with --require-passing) a covered requirement is not verified by a passing test: one of its tests failed, or its tests were only skipped or did not run (unless --allow-unverified or trace.allowUnverified, which let those pass and say so); exits 2 on a malformed spec, duplicate IDs or an unreadable file. Under GitHub Actions each problem is annotated at its file and line (and each uncovered requirement at its spec line), and the gate with the requirement table is appended to $GITHUB_STEP_SUMMARY.',
    examples: [
      'incluster trace',
      'incluster trace --threshold 90 --format md --out trace.md',
      'incluster trace --format html --out test-results/traceability.html',
      'incluster trace --require-passing test-results/traceability.json',
      'incluster trace --require-passing test-results/junit.xml --allow-unverified',
      "incluster trace --require-passing 'test-results/*/junit.xml'",
      'incluster trace --confirm',
    ],
    configure: (command) => {
      command
        .option(
          '--threshold <percent>',
          'minimum coverage; below it the exit status is 1 (default: trace.threshold, 100)',
        )
        .option('--format <format>', 'table, json, md or html', 'table')
        .option('--json', 'the report as JSON on stdout: the same as --format json')
        .option(
          '--out <file>',
          'write the report to a file instead of stdout (a summary still goes to stdout)',
        )
        .option(
          '--require-passing <file>',
          "run evidence: traceability.json (the Vitest reporter, pytest-incluster) or JUnit XML (Vitest, pytest, or any runner whose test cases carry a `requirements` property); a covered requirement fails the gate unless a test of it passed and none failed; repeat for shards and suites, or quote a glob ('test-results/*/junit.xml')",
          (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
        )
        .option(
          '--allow-unverified',
          'with --require-passing, let a covered requirement whose tests were only skipped or did not run pass (the report says so); default: trace.allowUnverified, false',
        )
        .option(
          '--confirm',
          'record the current requirement texts as confirmed in the baseline (trace.lockFile), clearing suspect links',
        )
        .option(
          '--no-cache',
          'parse every test file again instead of reusing what unchanged files declared last time (node_modules/.cache/incluster)',
        )
        .option(
          '--fail-on-suspect',
          'exit 1 when a test is linked to a requirement whose text changed since it was confirmed',
        );
      offerValues(command, '--format', FORMATS);
    },
    action: async (options, command) => {
      const { io } = ctx;
      if (options.json && command.getOptionValueSource('format') === 'cli' && options.format !== 'json')
        throw new UsageError(`--json and --format ${options.format} ask for two formats; give one`);
      const format = options.json ? 'json' : parseFormat(options.format);
      const threshold = options.threshold === undefined ? undefined : parseThreshold(options.threshold);
      if (options.allowUnverified && !options.requirePassing?.length)
        throw new UsageError(
          '--allow-unverified relaxes --require-passing, which was not given: there is no run evidence to judge',
        );
      const { trace, root, file } = await traceSettings(io.cwd, options.config);
      // Loaded here, not at the top, so other commands do not pay for the parser at start-up.
      const { traceProject } = await import('../../trace/project-trace.ts');
      const { renderTable } = await import('../../trace/render/table.ts');
      const status = new Status(io.stderr);
      const { report, confirmed, reusedFiles, pytest } = await status.phase(
        'Tracing requirements to tests',
        () =>
          traceProject({
            root,
            trace,
            configFile: file,
            threshold,
            evidenceFiles: evidenceFiles(io.cwd, options.requirePassing ?? []),
            confirm: options.confirm,
            failOnSuspect: options.failOnSuspect,
            allowUnverified: options.allowUnverified,
            cache: options.cache,
          }),
      );
      if (reusedFiles)
        status.info(
          `${reusedFiles} of ${report.summary.testFiles} test files unchanged since the last trace: their tests were taken from node_modules/.cache/incluster (--no-cache parses every file)`,
        );
      for (const run of pytest)
        status.info(
          `pytest: ${run.files} test files${run.args.length ? ` under ${run.args.join(' ')}` : ''} (rootdir ${run.rootdir}${run.inifile ? `, config ${run.inifile}` : ''})`,
        );
      if (confirmed) {
        const changes = [
          confirmed.changed.length
            ? `${confirmed.changed.length} changed (${confirmed.changed.join(', ')})`
            : '',
          confirmed.added.length ? `${confirmed.added.length} added` : '',
          confirmed.removed.length
            ? `${confirmed.removed.length} removed (${confirmed.removed.join(', ')})`
            : '',
        ].filter(Boolean);
        status.info(
          `Confirmed ${report.summary.requirements} requirement texts in ${confirmed.file}${changes.length ? `: ${changes.join(', ')}` : ''}`,
        );
      }
      if (inGitHubActions(io.env) || io.env.GITHUB_STEP_SUMMARY) {
        const { publishTrace } = await import('../../ci/publish-trace.ts');
        await publishTrace(report, { env: io.env, cwd: io.cwd, root, stream: io.stderr });
      }
      const rendered = await render(report, format, { full: !options.out });
      if (options.out) {
        const target = resolve(io.cwd, options.out);
        try {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, rendered);
        } catch (error) {
          throw new UsageError(`cannot write the report to ${target}`, { cause: error });
        }
        io.stdout.write(renderTable(report));
        io.stdout.write(`Report (${format}) written to ${options.out}\n`);
      } else io.stdout.write(rendered);
      return report.gate.passed ? ExitStatus.ok : ExitStatus.failed;
    },
  });
}

/**
 * The `trace` section and the root: from the config file, validated whole as every command does,
 * or the defaults when there is none, without loading the YAML parser and the schema at all.
 */
async function traceSettings(cwd: string, configOption: string | undefined) {
  const file = configOption === undefined ? findConfigFile(cwd) : resolve(cwd, configOption);
  if (file === undefined) return { trace: traceDefaults(), root: resolve(cwd), file };
  const { loadConfig } = await import('../../config/load.ts');
  const loaded = await loadConfig({ cwd, file });
  return { trace: loaded.config.trace, root: loaded.root, file: loaded.file };
}

async function render(report: TraceReport, format: Format, options: { full: boolean }): Promise<string> {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'md':
      return (await import('../../trace/render/markdown.ts')).renderMarkdown(report);
    case 'html':
      return (await import('../../trace/render/html.ts')).renderHtml(report);
    default:
      return (await import('../../trace/render/table.ts')).renderTable(report, { full: options.full });
  }
}

/**
 * The evidence files: each value a file, or a glob (quoted, so the shell leaves it to us) for every
 * file it matches, such as each run's merged JUnit. A glob that matches nothing is an error: a gate
 * given no evidence would judge nothing.
 */
function evidenceFiles(cwd: string, values: readonly string[]): string[] {
  return values.flatMap((value) => {
    if (!isDynamicPattern(value)) return [resolve(cwd, value)];
    const files = globSync(value, { cwd, absolute: true, onlyFiles: true }).sort();
    if (!files.length)
      throw new UsageError(`--require-passing '${value}' matches no file (relative to ${cwd})`);
    return files;
  });
}

function parseFormat(value: string): Format {
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got \`${value}\``);
}

function parseThreshold(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 100)
    throw new UsageError(`--threshold must be a percentage from 0 to 100, got \`${value}\``);
  return number;
}
