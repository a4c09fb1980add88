// registry.k8s.io/pause:<PAUSE_VERSION>, our own, for both providers: the pod sandbox's first
// process, compiled statically from the C source below, alone in an otherwise empty image.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../process/exec.ts';
import { PAUSE_VERSION } from '../../versions.ts';
import { importRootfs } from '../docker-cli.ts';
import { PAUSE_IMAGE } from '../names.ts';
import type { ImageRecipe } from '../recipe.ts';

/**
 * Holds the pod's namespaces open, reaps the zombies of processes sharing its PID namespace, and
 * exits 0 on SIGINT or SIGTERM (a stop request is the normal end of a sandbox, not a failure).
 */
export const PAUSE_C_SOURCE = `/* pause: the pod sandbox process of incluster's clusters. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int signo) {
  static const char message[] = "pause: shutting down\\n";
  (void)signo;
  (void)!write(STDERR_FILENO, message, sizeof message - 1);
  _exit(0);
}

static void on_child(int signo) {
  int saved = errno;
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static void handle(int signo, void (*handler)(int), int flags) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  action.sa_flags = flags;
  sigemptyset(&action.sa_mask);
  if (sigaction(signo, &action, NULL) < 0) {
    perror("pause: sigaction");
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("pause (incluster) " PAUSE_VERSION);
    return 0;
  }
  if (getpid() != 1)
    fputs("pause: warning: not PID 1, so orphaned processes are not reaped here\\n", stderr);
  handle(SIGINT, on_stop, 0);
  handle(SIGTERM, on_stop, 0);
  handle(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART);
  for (;;)
    pause();
}
`;

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
