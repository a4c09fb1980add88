// `incluster cache prune`: take back the space of cached builds this incluster does not use (FR-152).
import { Command } from 'commander';
import { cacheRoot } from '../../cluster/cache.ts';
import { formatBytes, pruneCache } from '../../cluster/cache-prune.ts';
import { DEFAULT_IMAGE_CACHE_LIMIT, IMAGE_CACHE_LIMIT_ENV } from '../../cluster/images/cache.ts';
import { ExitStatus } from '../../errors.ts';
import { addOutputOptions, type CommandContext } from '../command.ts';
import { EXIT_STATUS_HELP } from '../help.ts';
import { println } from '../io.ts';

interface PruneOptions {
  dryRun?: boolean;
  json?: boolean;
}

/** Builds the `cache` command and its `prune` subcommand. */
export function cacheCommand(ctx: CommandContext): Command {
  const prune = new Command('prune')
    .summary('remove cached builds this incluster does not use')
    .description(
      `Removes from the cache (${cacheRoot(ctx.io.env)}) what this version of incluster does not use: image archives of other cache keys (other incluster versions, or images since changed), builds of Go programs of other versions or build inputs, and the leftovers of interrupted saves. The archives this version uses, the Docker engines' data-roots and the kind node image stay. Without prune, the archives are kept within $${IMAGE_CACHE_LIMIT_ENV} (default ${formatBytes(DEFAULT_IMAGE_CACHE_LIMIT)}; least recently used first).`,
    )
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print the result as JSON on stdout');
  addOutputOptions(prune)
    .addHelpText(
      'after',
      `\nExamples:\n  $ incluster cache prune --dry-run\n  $ incluster cache prune --json\n${EXIT_STATUS_HELP}`,
    )
    .action(async (options: PruneOptions) => {
      const { io } = ctx;
      const result = await pruneCache(cacheRoot(io.env), { dryRun: Boolean(options.dryRun), env: io.env });
      if (options.json) {
        println(io.stdout, JSON.stringify(result, null, 2));
      } else {
        const verb = result.dryRun ? 'would remove' : 'removed';
        for (const entry of result.removed)
          println(
            io.stdout,
            `${verb}\t${formatBytes(entry.bytes).padStart(9)}\t${entry.kind}\t${entry.path}`,
          );
        const count = `${result.removed.length} cached item${result.removed.length === 1 ? '' : 's'}`;
        const done = result.dryRun
          ? `${count} would be removed, freeing ${formatBytes(result.freedBytes)}`
          : `${count} removed, ${formatBytes(result.freedBytes)} freed`;
        io.stderr.write(
          `${done}; the archives of the ${result.current.length} images this incluster builds stay\n`,
        );
      }
      ctx.exit(ExitStatus.ok);
    });
  return new Command('cache')
    .summary('manage incluster’s cache of built images and programs')
    .description(
      `incluster's cache of built images and programs (${cacheRoot(ctx.io.env)}; $INCLUSTER_CACHE_DIR to move it).`,
    )
    .addCommand(
      prune.exitOverride().configureOutput({
        writeOut: (text) => ctx.io.stdout.write(text),
        writeErr: (text) => ctx.io.stderr.write(text),
      }),
    );
}
