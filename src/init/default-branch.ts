// The branch the generated workflow runs on for pushes: the repository's default branch, never the
// one checked out. `init` is usually run on a feature branch (feature/add-incluster); a workflow
// that triggers on pushes to that branch stops running on the default branch once it is merged.
// Read from git's files, without running git: origin's HEAD when the clone has it, else `main` or
// `master` as the repository has them (a local branch, origin's branch, or the unborn HEAD of a new
// repository), else `main`, git's and GitHub's default.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** The branch, and how it was found (for init's summary). */
export interface DefaultBranch {
  name: string;
  source: 'origin/HEAD' | 'branch' | 'default';
}

/** The conventional default branches, in the order they are preferred when a repository has both. */
const CONVENTIONAL = ['main', 'master'] as const;

export function defaultBranch(root: string): DefaultBranch {
  const git = gitDirs(root);
  if (!git) return { name: 'main', source: 'default' };
  const origin = /^ref: refs\/remotes\/origin\/(\S+)/.exec(
    read(join(git.common, 'refs/remotes/origin/HEAD')),
  )?.[1];
  if (origin) return { name: origin, source: 'origin/HEAD' };
  const packed = read(join(git.common, 'packed-refs'));
  const head = /^ref: refs\/heads\/(\S+)/.exec(read(join(git.dir, 'HEAD')))?.[1];
  const has = (branch: string) =>
    head === branch ||
    [`refs/heads/${branch}`, `refs/remotes/origin/${branch}`].some(
      (ref) => read(join(git.common, ref)) !== '' || new RegExp(`^[0-9a-f]+ ${ref}$`, 'm').test(packed),
    );
  const found = CONVENTIONAL.find(has);
  return found ? { name: found, source: 'branch' } : { name: 'main', source: 'default' };
}

/**
 * The repository's git directory and its common directory (where refs live): `.git` itself, or, in a
 * linked worktree or submodule, the directory its `.git` file points at and that one's `commondir`.
 */
function gitDirs(root: string): { dir: string; common: string } | undefined {
  const dotGit = join(root, '.git');
  const pointer = /^gitdir: (.+)$/m.exec(read(dotGit))?.[1]?.trim();
  const dir = pointer ? (isAbsolute(pointer) ? pointer : resolve(root, pointer)) : dotGit;
  if (read(join(dir, 'HEAD')) === '') return undefined;
  const common = read(join(dir, 'commondir')).trim();
  return { dir, common: common ? resolve(dir, common) : dir };
}

/** A file's text, or '' when it is missing or is a directory. */
function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
