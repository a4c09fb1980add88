// What `incluster run` leaves for CI after a run: test-results/<run-id>/summary.md, the same Markdown
// appended to the job summary when the CI system gives one ($GITHUB_STEP_SUMMARY), and under GitHub
// Actions one `::error` annotation per failed test case at the line it failed (or one for a run that
// failed without a failed test: an infrastructure failure). Read from what the run wrote to disk,
// report.json and the merged junit.xml, both redacted, so no secret reaches an annotation.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import {
  annotationCommand,
  appendStepSummary,
  inGitHubActions,
  sourceLink,
  workspacePath,
  type Annotation,
} from './github.ts';
import { failureLocation, junitTestCases, type JUnitTestCase } from '../runner/junit-cases.ts';
import type { RunReport } from '../runner/report.ts';
import { renderRunSummary, type SummaryLocation } from '../runner/summary.ts';

export interface PublishRunOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where annotations go (stderr: stdout may carry `--json`). */
  stream: Writable;
  /** The runner image's build context: the tests' paths in the pod are relative to it. */
  contextDir: string;
  /** test-results/<run-id>/. */
  dir: string;
  /**
   * Annotate under GitHub Actions (default true). Off when the run threw: the CLI annotates the
   * error that ends the command, once.
   */
  annotate?: boolean;
}

/** Writes the summary and the annotations of the run in `dir`; false when it left no report.json. */
export async function publishRun(options: PublishRunOptions): Promise<boolean> {
  const { env, dir } = options;
  let report: RunReport;
  try {
    report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as RunReport;
  } catch {
    return false;
  }
  const xml = report.junit ? await readFile(join(dir, report.junit), 'utf8').catch(() => '') : '';
  const cases = junitTestCases(xml);
  const locate = (test: JUnitTestCase): SummaryLocation | undefined => {
    const at = failureLocation(test, options.contextDir);
    if (!at) return undefined;
    const path = workspacePath(env, options.cwd, options.contextDir, at.file);
    return { path, line: at.line, link: sourceLink(env, path, at.line) };
  };
  const markdown = renderRunSummary({ report, cases, locate });
  await writeFile(join(dir, 'summary.md'), markdown);
  await appendStepSummary(env, markdown);
  if (inGitHubActions(env) && options.annotate !== false)
    for (const annotation of runAnnotations(report, cases, locate))
      options.stream.write(`${annotationCommand(annotation)}\n`);
  return true;
}

/**
 * One error per failed test case, at its location (column too, when the failure gives one), and
 * one for a run that did not pass without naming a failed test (the infrastructure, a crash).
 */
export function runAnnotations(
  report: RunReport,
  cases: readonly JUnitTestCase[],
  locate: (test: JUnitTestCase) => SummaryLocation | undefined,
): Annotation[] {
  const failed = cases.filter((test) => test.outcome === 'failed' || test.outcome === 'error');
  const annotations: Annotation[] = failed.map((test) => {
    const where = locate(test);
    return {
      level: 'error',
      ...(where ? { file: where.path, ...(where.line ? { line: where.line } : {}) } : {}),
      title: `${test.name} (incluster run ${report.runId})`,
      message: clip(test.failure?.details.trim() || test.failure?.message || 'failed'),
    };
  });
  if (report.outcome === 'passed' || (report.outcome === 'failed' && failed.length > 0)) return annotations;
  return [
    ...annotations,
    {
      level: 'error',
      title: `incluster run ${report.runId}: ${report.outcome === 'infrastructure' ? `infrastructure failure${report.reason ? ` (${report.reason})` : ''}` : report.outcome}`,
      message: report.message,
    },
  ];
}

/** A failure's text, at most a few thousand characters: an annotation shows the start of a stack. */
function clip(text: string, limit = 4000): string {
  return text.length > limit ? `${text.slice(0, limit)}\n…` : text;
}
