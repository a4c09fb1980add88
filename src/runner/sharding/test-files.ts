// Which test files a sharded run has to split, found on this machine before the Job exists, the way
// the runner in the pod will find them: Vitest's from its config (the trace's static reader, with
// the command's --config, --root and --project), pytest's by pytest's own rules (the plugin's static
// collector). Only files in the build context count (the pod has no others). When the command is
// neither, or its arguments already name tests (a filter, a path), the files cannot be split by
// time without changing what runs: the run is sharded by count instead, and says why.
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { Config } from '../../config/schema.ts';
import { describeErrorBriefly } from '../../errors.ts';
import { collectPytest } from '../../trace/pytest/collect.ts';
import { globProject, resolveVitestTestSet } from '../../trace/collect/vitest-project.ts';
import { contextEntries } from '../build-context.ts';

/** The files to split (relative to the build context, as the pod's working directory has them), or why not. */
export type TestFileListing =
  { kind: 'files'; runner: 'vitest' | 'pytest'; files: string[] } | { kind: 'count'; reason: string };

/** Flags of each runner whose value is the next argument and is no test filter. */
const VALUE_FLAGS: Record<'vitest' | 'pytest', ReadonlySet<string>> = {
  vitest: new Set([
    ...['--config', '-c', '--root', '-r', '--project', '--reporter', '--outputFile', '--testNamePattern'],
    ...['-t', '--tags-filter', '--pool', '--environment', '--maxWorkers', '--testTimeout', '--hookTimeout'],
    ...['--retry', '--bail', '--mode', '--logHeapUsage'],
  ]),
  pytest: new Set([
    ...['-k', '-m', '-p', '-o', '-c', '--junitxml', '--junit-xml', '--rootdir', '--confcutdir', '--basetemp'],
    ...['--deselect', '--ignore', '--ignore-glob', '--log-level', '--tb', '-n', '--maxfail', '--durations'],
    ...['-W', '--incluster-evidence', '--incluster-evidence-root', '--override-ini'],
  ]),
};

/** The runner's arguments, read: its options by name, and any that would name tests. */
interface ParsedCommand {
  runner: 'vitest' | 'pytest';
  options: Map<string, string[]>;
  positional: string[];
}

/** Finds Vitest or pytest in the command and reads the arguments after it. */
export function parseRunnerCommand(argv: readonly string[]): ParsedCommand | undefined {
  let at = argv.findIndex((arg) => /^(vitest(\.m?js)?|pytest|py\.test)$/.test(basename(arg)));
  let runner: ParsedCommand['runner'];
  if (at >= 0) runner = basename(argv[at]!).startsWith('vitest') ? 'vitest' : 'pytest';
  else {
    at = argv.findIndex((arg, index) => arg === '-m' && argv[index + 1] === 'pytest');
    if (at < 0) return undefined;
    at += 1;
    runner = 'pytest';
  }
  const rest = argv.slice(at + 1);
  if (runner === 'vitest' && rest[0] === 'run') rest.shift();
  const options = new Map<string, string[]>();
  const positional: string[] = [];
  for (let index = 0; index < rest.length; index += 1) {
    const arg = rest[index]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals > 0 ? arg.slice(0, equals) : arg;
    let value: string | undefined = equals > 0 ? arg.slice(equals + 1) : undefined;
    const base = name.replace(/\..*$/, ''); // --outputFile.junit takes a value like --outputFile
    if (value === undefined && VALUE_FLAGS[runner].has(base) && index + 1 < rest.length)
      value = rest[++index];
    options.set(name, [...(options.get(name) ?? []), value ?? '']);
  }
  return { runner, options, positional };
}

/** Lists the test files of a sharded run, or says why it is sharded by count. */
export async function listTestFiles(config: Config, runnerArgs: readonly string[]): Promise<TestFileListing> {
  const parsed = parseRunnerCommand([...config.runner.command, ...runnerArgs]);
  if (!parsed)
    return {
      kind: 'count',
      reason: 'runner.command runs neither Vitest nor pytest, whose test files incluster can list',
    };
  if (parsed.positional.length > 0)
    return {
      kind: 'count',
      reason: `the runner's arguments name tests (${parsed.positional.map((arg) => `\`${arg}\``).join(' ')}); write a flag's value as --flag=value`,
    };
  const context = config.runner.context;
  try {
    const found = parsed.runner === 'vitest' ? vitestFiles(context, parsed) : await pytestFiles(context);
    const inContext = new Set((await contextEntries(context)).map((entry) => entry.path));
    const files = found.filter((file) => inContext.has(file));
    if (files.length === 0) return { kind: 'count', reason: `no ${parsed.runner} test files were found` };
    return { kind: 'files', runner: parsed.runner, files };
  } catch (error) {
    return { kind: 'count', reason: `the test files could not be listed: ${describeErrorBriefly(error)}` };
  }
}

/** Vitest's files: the config the command names (or the root's), its projects or those named. */
function vitestFiles(context: string, parsed: ParsedCommand): string[] {
  const at = (path: string | undefined) => (path === undefined ? undefined : resolve(context, path));
  const root = at(parsed.options.get('--root')?.at(-1) ?? parsed.options.get('-r')?.at(-1)) ?? context;
  const configFile = at(parsed.options.get('--config')?.at(-1) ?? parsed.options.get('-c')?.at(-1));
  const set = resolveVitestTestSet(root, configFile);
  if (set.problems.length > 0) {
    const problem = set.problems[0]!;
    throw new Error(`${relative(context, problem.file)}:${problem.line}: ${problem.message}`);
  }
  const names = parsed.options.get('--project') ?? [];
  const projects = names.length
    ? set.projects.filter((project) => names.some((name) => matchesProject(project.name, name)))
    : set.projects;
  const files = new Set(projects.flatMap((project) => globProject(project)));
  return [...files].map((file) => (isAbsolute(file) ? relative(context, file) : file)).sort();
}

/** Vitest's --project takes a name or a wildcard pattern (`*`). */
function matchesProject(name: string, pattern: string): boolean {
  const regexp = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return regexp.test(name);
}

/** pytest's files, by its own discovery rules, relative to the context. */
async function pytestFiles(context: string): Promise<string[]> {
  const collection = await collectPytest({ root: context });
  return (collection?.files ?? []).map((file) => join(file)).sort();
}
