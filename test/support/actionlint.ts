// actionlint over a repository's workflows (the pinned binary scripts/actionlint.sh installs).
import { join, resolve } from 'node:path';
import { runCommand, type RunResult } from '../../src/process/exec.ts';

const repoRoot = resolve(import.meta.dirname, '../..');

/** Runs actionlint in `dir` (shellcheck and pyflakes off: neither is installed here). */
export async function actionlint(dir: string): Promise<RunResult> {
  const bin = (
    await runCommand('bash', [join(repoRoot, 'scripts/actionlint.sh'), '--print-path'])
  ).stdout.trim();
  return runCommand(bin, ['-shellcheck=', '-pyflakes='], { cwd: dir, allowFailure: true });
}
