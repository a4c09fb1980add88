// The trace report in a few lines of Markdown, for the job summary of a CI run: how the gate went and
// why, then the requirement table, each ID linked to its line of the spec (on GitHub, the commit
// being built). The full report stays `incluster trace --format md` (render/markdown.ts).
import { tableCell } from '../../ci/github.ts';
import type { TraceReport } from '../report-schema.ts';
import { displayStatus } from '../report.ts';

/** Rows after which the requirement table is folded into a <details> block. */
const FOLD_AFTER = 25;
/** Problems listed by location; the rest are counted. */
const PROBLEMS_SHOWN = 10;

export interface StepSummaryOptions {
  /** A link to a line of a file of the project (undefined where there is none, off CI). */
  link: (file: string, line: number) => string | undefined;
}

export function renderStepSummary(report: TraceReport, options: StepSummaryOptions): string {
  const s = report.summary;
  const out = [
    `### Requirement traceability: gate ${report.gate.passed ? 'passed' : 'failed'}`,
    '',
    `${s.covered} of ${s.requirements} requirements covered (${s.percentage}%, threshold ${report.settings.threshold}%), ${s.tests} tests in ${s.testFiles} files.`,
  ];
  if (report.gate.failures.length) out.push('');
  for (const failure of report.gate.failures) out.push(`- ${tableCell(failure.message)}`);
  const evidence = report.summary.evidence;
  if (evidence)
    out.push(
      '',
      `Run evidence: ${evidence.tests} tests from ${evidence.files.map((f) => `\`${f}\``).join(', ')}.`,
    );
  const rows = report.requirements.map((requirement) => {
    const url = options.link(requirement.file, requirement.line);
    const id = url ? `[${requirement.id}](${url})` : requirement.id;
    const tests = requirement.tests.map((index) => report.tests[index]!);
    const failed = requirement.failedTests.map((index) => report.tests[index]!);
    const detail = failed.length
      ? `failed: ${failed.map((t) => `\`${t.file}:${t.line}\` ${t.fullName}`).join('; ')}`
      : '';
    return `| ${id} | ${displayStatus(requirement)}${requirement.suspect ? ' (suspect)' : ''} | ${tests.length} | ${tableCell(requirement.title)}${detail ? ` (${tableCell(detail)})` : ''} |`;
  });
  const head = ['| Requirement | Status | Tests | Title |', '| --- | --- | ---: | --- |'];
  out.push('');
  if (rows.length > FOLD_AFTER)
    out.push(
      `<details><summary>${rows.length} requirements</summary>`,
      '',
      ...head,
      ...rows,
      '',
      '</details>',
    );
  else out.push(...head, ...rows);
  if (report.problems.length) {
    out.push('', `**Problems** (${report.problems.length})`, '');
    for (const problem of report.problems.slice(0, PROBLEMS_SHOWN)) {
      const url = options.link(problem.file, problem.line);
      const where = `\`${problem.file}:${problem.line}\``;
      out.push(`- ${url ? `[${where}](${url})` : where} ${problem.kind}: ${tableCell(problem.message)}`);
    }
    if (report.problems.length > PROBLEMS_SHOWN)
      out.push(
        `- … and ${report.problems.length - PROBLEMS_SHOWN} more (\`incluster trace\` lists them all)`,
      );
  }
  return `${out.join('\n')}\n`;
}
