// `incluster init`: scaffold incluster into an existing repository without overwriting anything.
import type { Command } from 'commander';
import { ExitStatus } from '../../errors.ts';
import type { FileResult } from '../../init/scaffold.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println } from '../io.ts';

interface InitOptions {
  config?: string;
  dryRun?: boolean;
  force?: boolean;
}

const WOULD: Record<FileResult['outcome'], string> = {
  created: 'would create',
  unchanged: 'unchanged',
  conflict: 'conflict',
  overwritten: 'would overwrite',
  appended: 'would append',
};

const NEXT_STEPS = `
Next steps:
  npm install --save-dev incluster vitest   if they are not devDependencies yet
  npx incluster up                          bring up the cluster and deploy testing/k8s/services/
  make test-unit                            unit tests, on this machine
  make test-integration                     test/integration inside the cluster (incluster run)
  make traceability                         requirement coverage of specs/ (incluster trace)
`;

/** Builds the `init` command. */
export function initCommand(ctx: CommandContext): Command {
  return defineCommand<InitOptions>(ctx, {
    name: 'init',
    summary: 'scaffold config, manifests, Dockerfile, Makefile and CI into a repository',
    description:
      'Writes incluster.config.yaml, the kind config, service manifests, the runner Dockerfile, Makefile targets, a GitHub Actions workflow and the .nvmrc it reads, a vitest.config.ts that records requirement evidence, node_modules/ and test-results/ in .gitignore (appended when missing), an example integration test and a spec template into the current directory (the project needs incluster and vitest as devDependencies). A file that already exists and differs is never overwritten: it is reported as a conflict with a diff (use --force to overwrite). Makefile targets are added in one marked block; targets the Makefile already defines are left alone and reported. Running it again changes nothing. Exits 1 when a conflict remains.',
    examples: ['incluster init', 'incluster init --dry-run', 'incluster init --force'],
    configure: (command) =>
      command
        .option('--dry-run', 'show what would be written, write nothing')
        .option('--force', 'overwrite files that differ from the templates'),
    action: async (options) => {
      const { io } = ctx;
      const { scaffold } = await import('../../init/scaffold.ts');
      const results = await scaffold(io.cwd, { dryRun: options.dryRun, force: options.force });
      const width = Math.max(...results.map((r) => WOULD[r.outcome].length));
      for (const result of results) {
        const label = options.dryRun ? WOULD[result.outcome] : result.outcome;
        println(
          io.stdout,
          `${label.padEnd(width)}  ${result.path}${result.note ? `  (${result.note})` : ''}`,
        );
      }
      const conflicts = results.filter((r) => r.outcome === 'conflict');
      for (const result of results.filter(
        (r) => r.diff && r.outcome !== 'appended' && r.outcome !== 'created',
      ))
        io.stdout.write(`\n${result.diff}`);
      if (conflicts.length > 0) {
        io.stderr.write(
          `incluster: ${conflicts.length} file(s) differ from what init would write and were left as they are: ${conflicts.map((c) => c.path).join(', ')}\n  hint: review the diffs above; \`incluster init --force\` overwrites them\n`,
        );
        return ExitStatus.failed;
      }
      if (!options.dryRun) io.stdout.write(NEXT_STEPS);
      return ExitStatus.ok;
    },
  });
}
