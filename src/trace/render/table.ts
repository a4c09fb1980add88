// The report for a terminal: the summary first, then what needs attention, each problem at its
// file:line so an editor can jump to it.
import type { TraceReport } from '../report-schema.ts';
import { displayStatus, testsWithOutcomes, unverifiedRequirements } from '../report.ts';

/** Renders the summary and problem lists; `full` adds one row per requirement. */
export function renderTable(report: TraceReport, options: { full?: boolean } = {}): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(
    `Requirements  ${s.requirements} total, ${s.covered} covered (${s.percentage}%), threshold ${report.settings.threshold}%`,
  );
  out.push(
    `Tests         ${s.tests} in ${s.testFiles} files, ${s.untaggedTests} untagged (${testSetText(report)})`,
  );
  if (s.evidence)
    out.push(
      `Run evidence  ${s.evidence.tests} tests${s.evidence.unmatched ? ` (${s.evidence.unmatched} match no collected test)` : ''}: ${s.evidence.passed} requirements passed, ${s.evidence.failed} failed, ${s.evidence.unverified} unverified, ${s.evidence.notRun} not run`,
    );
  if (options.full) {
    out.push('', 'ID           STATUS     TESTS  TITLE');
    for (const r of report.requirements) {
      const status = displayStatus(r);
      out.push(
        `${r.id.padEnd(12)} ${(status + (r.suspect ? '*' : '')).padEnd(10)} ${String(r.tests.length).padStart(5)}  ${truncate(r.title, 70)}`,
      );
    }
  }
  const failed = report.requirements.filter((r) => r.verdict === 'failed');
  if (failed.length) {
    out.push('', `Failed requirements (${failed.length})`);
    for (const r of failed) {
      out.push(`  ${r.id}  ${truncate(r.title, 90)}`);
      for (const index of r.failedTests) {
        const t = report.tests[index]!;
        out.push(`    ${t.file}:${t.line}  ${t.fullName}`);
      }
      for (const t of r.evidenceTests.filter((e) => e.outcome === 'failed'))
        out.push(`    ${t.file}${t.line === null ? '' : `:${t.line}`}  ${t.name}  (run evidence only)`);
    }
  }
  const unverified = s.evidence ? unverifiedRequirements(report.requirements) : [];
  if (unverified.length) {
    const allowed = report.settings.allowUnverified ? ', allowed by allowUnverified' : '';
    out.push('', `Unverified requirements (${unverified.length}): no test of theirs passed${allowed}`);
    for (const r of unverified) {
      out.push(`  ${r.id}  ${truncate(r.title, 90)}`);
      for (const t of testsWithOutcomes(report, r)) out.push(`    ${t.where}  ${t.name}  (${t.outcome})`);
    }
  }
  if (report.summary.requirements === 0)
    out.push(
      '',
      `No requirements in ${report.settings.specs.join(', ')}: a requirement is a list item that starts with its bold ID`,
    );
  if (report.summary.testFiles === 0) out.push('', `No test files: ${testSetText(report)} selects none`);
  const uncovered = report.requirements.filter((r) => r.status === 'uncovered');
  if (uncovered.length) {
    out.push('', `Uncovered requirements (${uncovered.length})`);
    for (const r of uncovered) out.push(`  ${r.id}  ${truncate(r.title, 90)}  (${r.file}:${r.line})`);
  }
  const section = (title: string, kind: string) => {
    const problems = report.problems.filter((p) => p.kind === kind);
    if (!problems.length) return;
    out.push('', `${title} (${problems.length})`);
    for (const p of problems) out.push(`  ${p.file}:${p.line}:${p.column}  ${p.message}`);
  };
  section('Untagged tests', 'untagged-test');
  section('Unknown requirement IDs', 'unknown-id');
  section('Malformed requirement IDs', 'malformed-id');
  section('Tags that cannot be resolved', 'unresolved-tags');
  section('Calls Vitest 5 rejects', 'invalid-api');
  section('Imports that do not resolve', 'unresolved-import');
  section('Test files without tests', 'no-tests');
  section('Vitest config', 'vitest-config');
  section('trace.tests and Vitest disagree', 'test-set');
  section('Tests in functions nothing calls (not counted)', 'uncalled-test');
  const suspect = report.requirements.filter((r) => r.suspect);
  if (suspect.length) {
    out.push(
      '',
      `Suspect links: the text of ${suspect.length} requirement(s) changed since ${report.baseline.file}`,
    );
    for (const r of suspect) {
      out.push(`  ${r.id}  ${truncate(r.title, 90)}`);
      for (const index of r.tests) {
        const t = report.tests[index]!;
        out.push(`    ${t.file}:${t.line}  ${t.fullName}`);
      }
    }
    out.push('  review these tests, then run `incluster trace --confirm`');
  } else if (!report.baseline.present) {
    out.push('', `No baseline ${report.baseline.file} yet: run \`incluster trace --confirm\` to record one`);
  }
  if (s.evidence?.moduleErrors.length) {
    out.push('', 'Test files that failed before their tests ran');
    for (const e of s.evidence.moduleErrors) out.push(`  ${e.file}  ${e.message}`);
  }
  out.push('');
  out.push(
    report.gate.passed
      ? 'Gate: passed'
      : `Gate: FAILED\n${report.gate.failures.map((f) => `  - ${f.message}`).join('\n')}`,
  );
  return `${out.join('\n')}\n`;
}

/** Where the test files came from, in words. */
function testSetText(report: TraceReport): string {
  const set = report.settings.testSet;
  if (set.from === 'trace.tests') return `trace.tests: ${report.settings.tests.join(', ')}`;
  const projects =
    set.projects.length > 1 || set.projects[0] !== 'default' ? `, projects ${set.projects.join(', ')}` : '';
  const vitest = set.vitestConfig ? `from ${set.vitestConfig}${projects}` : "Vitest's default include";
  // pytest's tests are Python files; a suite of them alone was not selected by Vitest at all.
  const python = report.tests.filter((test) => test.file.endsWith('.py')).length;
  if (python === 0) return vitest;
  return python === report.tests.length ? "pytest's rules" : `${vitest}, and pytest's rules`;
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
