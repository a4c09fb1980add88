// GitHub Actions, from the outside: the variables a runner sets, its workflow commands (an
// annotation is a line `::error file=…,line=…::message` in a step's output) and the job summary
// (Markdown appended to the file $GITHUB_STEP_SUMMARY names). Nothing here is GitHub-only in effect:
// outside Actions no command is written and the summary goes only where the caller puts it.
import { appendFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';

/** One annotation: shown on the run, and on the pull request's diff at its file and line. */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  /** Relative to the repository root (the workspace), `/`-separated. */
  file?: string;
  line?: number;
  column?: number;
  title?: string;
  message: string;
}

/** True in a GitHub Actions step: the runner sets GITHUB_ACTIONS=true. */
export function inGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * The workflow command for an annotation. Its data and properties are escaped as the runner
 * unescapes them (`%`, CR and LF; in properties also `:` and `,`), so a test name or message can
 * neither end the command early nor start another one.
 */
export function annotationCommand(annotation: Annotation): string {
  const properties = [
    annotation.file !== undefined ? `file=${escapeProperty(annotation.file)}` : undefined,
    annotation.line !== undefined ? `line=${annotation.line}` : undefined,
    annotation.column !== undefined ? `col=${annotation.column}` : undefined,
    annotation.title !== undefined ? `title=${escapeProperty(annotation.title)}` : undefined,
  ].filter(Boolean);
  return `::${annotation.level}${properties.length ? ` ${properties.join(',')}` : ''}::${escapeData(annotation.message)}`;
}

function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/** Appends Markdown to the job summary when the runner gave one ($GITHUB_STEP_SUMMARY); true if it did. */
export async function appendStepSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  await appendFile(file, markdown.endsWith('\n') ? `${markdown}\n` : `${markdown}\n\n`);
  return true;
}

/**
 * `file` (absolute, or relative to `base`) as GitHub names it in an annotation: relative to the
 * checkout ($GITHUB_WORKSPACE, else the working directory), `/`-separated.
 */
export function workspacePath(env: NodeJS.ProcessEnv, cwd: string, base: string, file: string): string {
  const absolute = isAbsolute(file) ? file : resolve(base, file);
  const workspace = env.GITHUB_WORKSPACE ? resolve(cwd, env.GITHUB_WORKSPACE) : cwd;
  const path = relative(workspace, absolute).split('\\').join('/');
  return path.startsWith('../') ? absolute : path;
}

/**
 * A link to a line of a file of the commit being built, for the summary, when the runner says
 * where that commit is (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_SHA); undefined elsewhere.
 */
export function sourceLink(env: NodeJS.ProcessEnv, path: string, line?: number): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  if (!server || !repository || !sha || path.startsWith('/')) return undefined;
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return `${server}/${repository}/blob/${sha}/${encoded}${line ? `#L${line}` : ''}`;
}

/** Text for a Markdown table cell: one line, no column breaks. */
export function tableCell(text: string): string {
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll('|', '\\|')
    .replace(/\s*\n\s*/g, ' ');
}
