// The report as Markdown, for pull-request comments and job summaries.
import type { TraceReport } from '../report-schema.ts';
import { displayStatus, gateHeadline, testsWithOutcomes, unverifiedRequirements } from '../report.ts';

/** Lists longer than this go into a collapsed <details> block (GitHub renders it). */
const COLLAPSE_AFTER = 20;

/** Renders the summary, the requirement table and the problems as Markdown. */
export function renderMarkdown(report: TraceReport): string {
  const s = report.summary;
  const out: string[] = ['# Requirement traceability', ''];
  const [verdict, ...why] = gateHeadline(report).split(': ');
  out.push(`**${verdict}**: ${escape(why.join(': '))}`);
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
  const failed = report.requirements.filter((r) => r.verdict === 'failed');
  if (failed.length) {
    out.push('', '## Failed requirements', '');
    for (const r of failed) {
      out.push(`- **${r.id}** ${escape(r.title)}`);
      for (const index of r.failedTests) {
        const t = report.tests[index]!;
        out.push(`  - ${escape(t.fullName)} (\`${t.file}:${t.line}\`)`);
      }
      for (const t of r.evidenceTests.filter((e) => e.outcome === 'failed'))
        out.push(
          `  - ${escape(t.name)} (\`${t.file}${t.line === null ? '' : `:${t.line}`}\`, run evidence only)`,
        );
    }
  }
  const unverified = s.evidence ? unverifiedRequirements(report.requirements) : [];
  if (unverified.length) {
    const allowed = report.settings.allowUnverified ? ' (allowed by allowUnverified)' : '';
    out.push('', `## Unverified requirements${allowed}`, '');
    for (const r of unverified) {
      out.push(`- **${r.id}** ${escape(r.title)}`);
      for (const t of testsWithOutcomes(report, r))
        out.push(`  - ${escape(t.name)} (\`${t.where}\`): ${t.outcome}`);
    }
  }
  const requirementRows = report.requirements.map((r) => {
    const status = `${displayStatus(r)}${r.suspect ? ' (suspect)' : ''}`;
    return `| ${r.id} | ${status} | ${r.tests.length} | ${escape(r.title)} |`;
  });
  out.push(
    '',
    '## Requirements',
    '',
    ...collapse(
      requirementRows,
      ['| ID | Status | Tests | Requirement |', '| --- | --- | ---: | --- |'],
      'requirements',
    ),
  );
  if (report.problems.length) {
    const rows = report.problems.map((p) => `| \`${p.file}:${p.line}\` | ${p.kind} | ${escape(p.message)} |`);
    out.push(
      '',
      '## Problems',
      '',
      ...collapse(rows, ['| Where | Kind | Detail |', '| --- | --- | --- |'], 'problems'),
    );
  }
  return `${out.join('\n')}\n`;
}

/** A table, inside <details> when it is long; the blank lines let Markdown render inside the HTML. */
function collapse(rows: string[], head: string[], what: string): string[] {
  if (rows.length <= COLLAPSE_AFTER) return [...head, ...rows];
  return [`<details><summary>${rows.length} ${what}</summary>`, '', ...head, ...rows, '', '</details>'];
}

function escape(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
