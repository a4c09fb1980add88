// The report as Markdown, for pull-request comments and job summaries.
import type { TraceReport } from '../report-schema.ts';
import { displayStatus } from '../report.ts';

/** Renders the summary, the requirement table and the problems as Markdown. */
export function renderMarkdown(report: TraceReport): string {
  const s = report.summary;
  const out: string[] = ['# Requirement traceability', ''];
  out.push(
    `**${report.gate.passed ? 'Gate passed' : 'Gate failed'}**: ${s.covered} of ${s.requirements} requirements covered (${s.percentage}%, threshold ${report.settings.threshold}%).`,
  );
  for (const f of report.gate.failures) out.push(`- ${escape(f.message)}`);
  out.push('', '| | Count |', '| --- | ---: |');
  const rows: [string, number][] = [
    ['Requirements', s.requirements],
    ['Covered', s.covered],
    ['Uncovered', s.uncovered],
    ['Tests', s.tests],
    ['Untagged tests', s.untaggedTests],
    ['Unknown IDs', s.unknownIds],
    ['Malformed IDs', s.malformedIds],
    ['Unresolved tags', s.unresolvedTags],
    ['Suspect links', s.suspectLinks],
  ];
  if (s.evidence)
    rows.push(['Failed requirements', s.evidence.failed], ['Unverified requirements', s.evidence.unverified]);
  for (const [label, count] of rows) out.push(`| ${label} | ${count} |`);
  out.push('', '## Requirements', '', '| ID | Status | Tests | Requirement |', '| --- | --- | ---: | --- |');
  for (const r of report.requirements) {
    const status = `${displayStatus(r)}${r.suspect ? ' (suspect)' : ''}`;
    out.push(`| ${r.id} | ${status} | ${r.tests.length} | ${escape(r.title)} |`);
  }
  if (report.problems.length) {
    out.push('', '## Problems', '', '| Where | Kind | Detail |', '| --- | --- | --- |');
    for (const p of report.problems)
      out.push(`| \`${p.file}:${p.line}\` | ${p.kind} | ${escape(p.message)} |`);
  }
  return `${out.join('\n')}\n`;
}

function escape(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
