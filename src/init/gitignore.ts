// The lines `init` wants in .gitignore: what npm installs and what test runs leave behind must not
// be committed. A repository nearly always has a .gitignore already, so this never conflicts: the
// missing lines are appended, the user's own lines stay as they are.

/** What the scaffolded project produces and must not commit. */
export const IGNORED = ['node_modules/', 'test-results/'] as const;

const HEADER = '# written by `incluster init`: installed packages and test results';

/** The .gitignore text with every IGNORED entry present; `existing` unchanged when all are there. */
export function mergeGitignore(existing: string | undefined): string {
  const present = new Set((existing ?? '').split(/\r?\n/).map(normalize));
  const missing = IGNORED.filter((entry) => !present.has(normalize(entry)));
  if (existing !== undefined && missing.length === 0) return existing;
  const lines = [HEADER, ...missing, ''].join('\n');
  if (existing === undefined || existing === '') return lines;
  return `${existing}${existing.endsWith('\n') ? '' : '\n'}\n${lines}`;
}

/** `node_modules`, `/node_modules` and `node_modules/` ignore the same top-level directory. */
function normalize(line: string): string {
  return line.trim().replace(/^\//, '').replace(/\/$/, '');
}
