// registry.k8s.io/pause:<PAUSE_VERSION>, our own, for both providers: the pod sandbox's first
// process, compiled statically from pause/pause.c, alone in an otherwise empty image.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../process/exec.ts';
import { PAUSE_VERSION } from '../../versions.ts';
import { importRootfs } from '../docker-cli.ts';
import { PAUSE_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';
import { sourceFile } from '../../../source-files.ts';

/**
 * Holds the pod's namespaces open, reaps the zombies of processes sharing its PID namespace, and
 * exits 0 on SIGINT or SIGTERM (a stop request is the normal end of a sandbox, not a failure).
 */
export const PAUSE_C_SOURCE = sourceFile(import.meta.url, 'pause/pause.c');

/** gcc arguments that compile `source` into a static, stripped `output` that reports PAUSE_VERSION. */
export function pauseCompileArgs(source: string, output: string): string[] {
  return [
    '-static',
    '-O2',
    '-s',
    '-Wall',
    '-Wextra',
    '-Werror',
    `-DPAUSE_VERSION="${PAUSE_VERSION}"`,
    '-o',
    output,
    source,
  ];
}

/** The image's configuration. */
const CHANGES = ['ENTRYPOINT ["/pause"]'];

/** The pause image recipe: the source, how it is compiled, the image's configuration. */
export const pauseRecipe: ImageRecipe = {
  image: PAUSE_IMAGE,
  definition: () => [PAUSE_C_SOURCE, pauseCompileArgs('pause.c', 'pause').join(' '), ...CHANGES],
  async build(ctx) {
    const source = join(ctx.workDir, 'pause.c');
    const rootfs = join(ctx.workDir, 'rootfs');
    await mkdir(rootfs);
    await writeFile(source, PAUSE_C_SOURCE);
    ctx.progress('gcc -static pause.c');
    await runCommand('gcc', pauseCompileArgs(source, join(rootfs, 'pause')), { signal: ctx.signal });
    await importRootfs(ctx.docker, rootfs, PAUSE_IMAGE, ctx.key, CHANGES, {
      workDir: ctx.workDir,
      signal: ctx.signal,
    });
  },
};
