// The lines `init` wants in .gitignore (and .dockerignore): what npm installs, what test runs leave
// behind and where providers write cluster credentials must not be committed (or copied into the
// runner image). A repository nearly always has these files already, so this never conflicts: the
// missing lines are appended, the user's own lines stay as they are.

/** What the scaffolded project produces and must not commit; `.incluster/` holds admin kubeconfigs. */
export const IGNORED = ['node_modules/', 'test-results/', '.incluster/'] as const;

/** What the runner image's build context leaves out (the image installs its own node_modules). */
export const DOCKER_IGNORED = [
  '.git',
  'node_modules',
  'test-results',
  '.incluster',
  'dist',
  'coverage',
] as const;

const HEADER = '# written by `incluster init`: installed packages, test results, cluster credentials';

/** The .gitignore text with every IGNORED entry present; `existing` unchanged when all are there. */
export function mergeGitignore(existing: string | undefined, python = false): string {
  return mergeIgnoreFile(existing, python ? [...IGNORED, ...PYTHON_IGNORED] : IGNORED, HEADER);
}

/** A Python project's additions: `incluster run` stages the pytest plugin there (generated). */
export const PYTHON_IGNORED = ['.incluster-plugins/'] as const;

/** What a Python project keeps out of the runner image: its virtualenvs and caches (the image makes its own). */
export const PYTHON_DOCKER_IGNORED = [
  '.venv',
  '**/__pycache__',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
] as const;

/** The ignore-file text with every entry of `entries` present, missing ones appended under `header`. */
export function mergeIgnoreFile(
  existing: string | undefined,
  entries: readonly string[],
  header: string,
): string {
  const present = new Set((existing ?? '').split(/\r?\n/).map(normalize));
  const missing = entries.filter((entry) => !present.has(normalize(entry)));
  if (existing !== undefined && missing.length === 0) return existing;
  const lines = [header, ...missing, ''].join('\n');
  if (existing === undefined || existing === '') return lines;
  return `${existing}${existing.endsWith('\n') ? '' : '\n'}\n${lines}`;
}

/** `node_modules`, `/node_modules` and `node_modules/` ignore the same top-level directory. */
function normalize(line: string): string {
  return line.trim().replace(/^\//, '').replace(/\/$/, '');
}
