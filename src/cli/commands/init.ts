// `incluster init`: adopt incluster into an existing repository without overwriting anything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { PythonInstaller, PythonLayout } from '../../init/python-project.ts';
import { describeUntagged } from '../../init/untagged.ts';
import type { DefaultBranch } from '../../init/default-branch.ts';
import type { Command } from 'commander';
import { ExitStatus } from '../../errors.ts';
import { addDevCommand } from '../../init/package-manager.ts';
import type { FileOutcome, FileResult, ScaffoldReport } from '../../init/scaffold.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println, type CliIo } from '../io.ts';

interface InitOptions {
  config?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

const WOULD: Record<FileOutcome, string> = {
  created: 'would create',
  unchanged: 'unchanged',
  kept: 'kept',
  conflict: 'conflict',
  overwritten: 'would overwrite',
  appended: 'would append',
  edited: 'would edit',
  manual: 'edit by hand',
};

/** Outcomes that changed a file. */
const CHANGED: ReadonlySet<FileOutcome> = new Set(['created', 'overwritten', 'appended', 'edited']);

/** Builds the `init` command. */
export function initCommand(ctx: CommandContext): Command {
  return defineCommand<InitOptions>(ctx, {
    name: 'init',
    summary: 'adopt incluster into a repository: config, manifests, Dockerfile, Makefile, CI',
    description:
      "Writes incluster.config.yaml (cluster and namespace named after package.json's name), the kind config, service manifests, a runner Dockerfile for the project's package manager (npm, pnpm or yarn, from packageManager or the lockfile), Makefile targets, a GitHub Actions workflow and the .nvmrc it reads, an example integration test and a spec template into the current directory. An existing Vitest config is edited to wrap its export in withRequirements (everything else in it stays), and its test.include says where the tests are; without one, a vitest.config.ts is written. .gitignore gains node_modules/, test-results/ and .incluster/ (where providers write cluster credentials) when it lacks them. Existing tests keep passing: while there are untagged tests, trace.allowUntagged is on (set it to false to make the gate strict), and the example test runs only inside the cluster. incluster's own files that differ are never overwritten: they are reported as conflicts with a diff (--force overwrites them, and starting points such as incluster.config.yaml that you edited). Makefile targets are added in one marked block; targets the Makefile or a file it includes already defines are left alone and reported, and --force rewrites only the block. In a Python project (pyproject.toml, with uv.lock, requirements*.txt or poetry.lock) the runner is pytest: a multi-stage Dockerfile that installs with uv from the lockfile and installs incluster's pytest plugin (which `incluster run` copies into the build context), the requirement marker registered in pytest's configuration, and pytest in the Makefile targets and the workflow; a repository with Vitest tests as well gets both runners, the pytest one in incluster.pytest.config.yaml. Running it again changes nothing. Exits 1 when a conflict, or an edit to make by hand, remains.",
    examples: ['incluster init', 'incluster init --dry-run', 'incluster init --force'],
    configure: (command) =>
      command
        .option('--dry-run', 'show what would be written, write nothing')
        .option(
          '--json',
          'print each file and what init did to it (or would, with --dry-run) as JSON on stdout, diffs included',
        )
        .option(
          '--force',
          "overwrite incluster's files and starting points that differ, and rewrite its Makefile block (never your own targets or your Vitest config's code)",
        ),
    action: async (options) => {
      const { io } = ctx;
      const { scaffold, NEEDS_ATTENTION, InitInterrupted } = await import('../../init/scaffold.ts');
      const { WriteJournal } = await import('../../init/journal.ts');
      // While init writes, an interrupt takes its writes back (FR-134); before and after, it just stops.
      const journal = new WriteJournal(io.cwd, io.signal);
      io.interrupts?.cleansUp();
      const release = io.interrupts?.hold({
        what: () => `files init has written: ${journal.written.join(', ') || 'none yet'}`,
        removeWith: 'git status (then git checkout or rm what init wrote)',
      });
      let report;
      try {
        report = await scaffold(io.cwd, {
          dryRun: options.dryRun,
          force: options.force,
          journal,
          signal: io.signal,
        });
      } catch (error) {
        if (!(error instanceof InitInterrupted)) throw error;
        io.stderr.write(`incluster: ${error.message}\n`);
        return ExitStatus.interrupted;
      } finally {
        release?.();
        io.interrupts?.stopsAtOnce();
      }
      const { results } = report;
      const open = results.filter((r) => NEEDS_ATTENTION.has(r.outcome));
      if (options.json) {
        println(
          io.stdout,
          JSON.stringify(
            {
              dryRun: Boolean(options.dryRun),
              files: results,
              changed: results.filter((r) => CHANGED.has(r.outcome)).map((r) => r.path),
              needDecision: open.map((r) => r.path),
              project: { name: report.layout.name, defaultBranch: report.layout.defaultBranch.name },
            },
            null,
            2,
          ),
        );
      } else printResults(io, results, Boolean(options.dryRun));
      if (open.length > 0) {
        io.stderr.write(
          `incluster: ${open.length} file(s) need your decision and were left as they are: ${open.map((c) => c.path).join(', ')}\n  hint: review the diffs and notes above; \`incluster init --force\` overwrites incluster's files (an edit by hand stays one)\n`,
        );
        return ExitStatus.failed;
      }
      if (!options.dryRun && !options.json) io.stdout.write(summary(report, CHANGED));
      return ExitStatus.ok;
    },
  });
}

/** Each file and what init did to it, then the diffs of what it changed in place or would have. */
function printResults(io: CliIo, results: readonly FileResult[], dryRun: boolean): void {
  const width = Math.max(...results.map((r) => WOULD[r.outcome].length));
  for (const result of results) {
    const label = dryRun ? WOULD[result.outcome] : result.outcome;
    println(io.stdout, `${label.padEnd(width)}  ${result.path}${result.note ? `  (${result.note})` : ''}`);
  }
  // Diffs of what was changed in place, and of what init would change but did not.
  for (const result of results.filter(
    (r) => r.diff && (r.outcome === 'conflict' || r.outcome === 'overwritten' || r.outcome === 'edited'),
  ))
    io.stdout.write(`\n${result.diff}`);
}

/** How init found the default branch, for people. */
const BRANCH_SOURCE: Record<DefaultBranch['source'], string> = {
  'origin/HEAD': "origin's default branch",
  branch: 'the repository has it; there is no origin/HEAD',
  default: 'no origin/HEAD, main or master yet: git’s default',
};

/** How the pytest runner image installs a project's dependencies, for people. */
const INSTALLS: Record<PythonInstaller, (python: PythonLayout) => string> = {
  uv: () => 'uv.lock exactly',
  requirements: (python) => python.requirements.join(' and '),
  pyproject: () => 'pyproject.toml’s dependencies (no lockfile)',
};

/** What changed, what the project now looks like to incluster, and the next command to run. */
function summary(report: ScaffoldReport, changed: ReadonlySet<FileOutcome>): string {
  const { layout, results } = report;
  const pm = layout.packageManager;
  const add = addDevCommand(pm, layout.vitest ? 'incluster vitest' : 'incluster');
  const python = layout.python;
  const touched = results.filter((r) => changed.has(r.outcome));
  const lines = [
    '',
    touched.length
      ? `Changed ${touched.length} file(s): ${touched.map((r) => `${r.path} (${r.outcome})`).join(', ')}.`
      : 'Nothing changed: the repository already has everything init writes.',
    `CI (.github/workflows/ci.yml) runs on pull requests and on pushes to ${layout.defaultBranch.name} (${BRANCH_SOURCE[layout.defaultBranch.source]}).`,
    `Project: cluster and namespace \`${layout.name}\`${
      layout.vitest
        ? `, ${pm.name} (${pm.source}), tests in ${layout.testGlobs.join(', ')}${layout.testGlobsFromConfig ? ` (from ${layout.vitestConfig})` : ''}`
        : ''
    }.`,
  ];
  if (python)
    lines.push(
      `Python: pytest tests in ${python.testRoot}/, the runner image installs ${INSTALLS[python.installer](python)} with uv${layout.vitest ? ` (testing/Dockerfile.pytest, run with \`incluster run --config incluster.pytest.config.yaml\`)` : ''}.`,
      ...(python.poetryLock && python.installer === 'pyproject'
        ? [
            'poetry.lock is not read by uv: the image resolves pyproject.toml’s dependencies when it builds. Pin them (uv lock, or a requirements.txt) and run `incluster init --force`.',
          ]
        : []),
    );
  const untagged = [...report.untagged.vitest, ...report.untagged.pytest];
  if (untagged.length) {
    const shown = untagged.slice(0, 10).map((test) => `  ${describeUntagged(test)}`);
    lines.push(
      `${untagged.length} existing test(s) name no requirement yet, so trace.allowUntagged is on in incluster.config.yaml: \`incluster trace\` lists them without failing until each is tagged, then set it to false to make the gate strict:`,
      ...shown,
      ...(untagged.length > shown.length ? [`  … and ${untagged.length - shown.length} more`] : []),
    );
  } else if (layout.existingTests.length || python?.testFiles.length)
    lines.push(
      'Every existing test names a requirement: the trace gate stays strict (trace.allowUntagged: false).',
    );
  if (!pm.locked && layout.vitest)
    lines.push(
      `No ${pm.lockfile} ${existsSync(join(layout.root, pm.lockfile)) ? 'that git keeps (.gitignore names it)' : 'yet'}: the runner image and CI resolve package.json until one is committed, then install exactly it.`,
    );
  lines.push(
    '',
    'Next steps:',
    `  ${add.padEnd(42)} if they are not devDependencies yet`,
    `  ${'npx incluster up'.padEnd(42)} bring up the cluster and deploy testing/k8s/services/`,
    `  ${'make test-unit'.padEnd(42)} unit tests, on this machine`,
    `  ${'make test-integration'.padEnd(42)} ${[...(layout.vitest ? [layout.integrationDir] : []), ...(python ? [python.integrationDir] : [])].join(' and ')} inside the cluster (incluster run)`,
    `  ${'make traceability'.padEnd(42)} requirement coverage of specs/ (incluster trace)`,
    '',
    'Next command: npx incluster up',
    '',
  );
  return lines.join('\n');
}
