// The report as one self-contained HTML page (no network, no external files): a summary, the
// requirements with their tests, the tests with their requirements, status colours, and a filter
// box. Every table is in the HTML itself, so the page reads where scripts are blocked (CI artifact
// viewers with a strict content security policy); the inline script only filters. Long lists are
// collapsed into <details>, so a page of 10,000 tests opens at its summary.
import type { ReportProblem, ReportRequirement, ReportTest, TraceReport } from '../report-schema.ts';
import { displayStatus, gateHeadline } from '../report.ts';
import { sourceFile } from '../../source-files.ts';

/** Test lists longer than this are collapsed under a summary line. */
const COLLAPSE_AFTER = 5;
/** Tables with more rows than this start collapsed. */
const COLLAPSE_TABLE_AFTER = 200;

/** Renders the page. */
export function renderHtml(report: TraceReport): string {
  const s = report.summary;
  const verdict = report.gate.passed ? 'passed' : 'failed';
  const cards: [string, string | number][] = [
    ['Requirements', s.requirements],
    ['Covered', s.covered],
    ['Uncovered', s.uncovered],
    ['Coverage', `${s.percentage}%`],
    ['Tests', s.tests],
    ['Untagged', s.untaggedTests],
    ['Unknown IDs', s.unknownIds],
    ['Suspect links', s.suspectLinks],
  ];
  if (s.evidence) cards.push(['Failed', s.evidence.failed], ['Unverified', s.evidence.unverified]);
  const requirementRows = report.requirements.map((r) => requirementRow(report, r)).join('\n');
  const testRows = report.tests.map(testRow).join('\n');
  const problemRows = report.problems.map(problemRow).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Requirement traceability: ${s.covered}/${s.requirements} covered</title>
<style>
${STYLE}</style>
</head>
<body>
<header>
  <h1>Requirement traceability</h1>
  <p class="gate gate-${verdict}" data-testid="gate">${escape(gateHeadline(report))}</p>
  <div class="cards" id="cards">${cards.map(([label, value]) => `<div class="card"><b>${escape(String(value))}</b>${escape(label)}</div>`).join('')}</div>
  <ul class="failures" id="failures">${report.gate.failures.map((f) => `<li>${escape(f.message)}</li>`).join('')}</ul>
  <label class="filter">Filter <input id="filter" type="search" placeholder="ID, words of a requirement, test name or file" autocomplete="off" autofocus></label>
  <span id="shown" class="shown"></span>
</header>
<main>
  <section>
    <h2>Requirements → tests</h2>
    ${table('requirements', ['ID', 'Status', 'Requirement', 'Tests'], requirementRows, report.requirements.length)}
  </section>
  <section>
    <h2>Tests → requirements</h2>
    ${table('tests', ['Test', 'Location', 'Requirements', 'Outcome'], testRows, report.tests.length)}
  </section>
  <section id="problems-section"${report.problems.length ? '' : ' hidden'}>
    <h2>Problems</h2>
    ${table('problems', ['Where', 'Kind', 'Detail'], problemRows, report.problems.length)}
  </section>
</main>
<footer>Report schema v${report.schemaVersion}, generated ${escape(report.generatedAt)}</footer>
<script>
${SCRIPT}</script>
</body>
</html>
`;
}

function table(id: string, columns: string[], rows: string, count: number): string {
  const head = `<thead><tr>${columns.map((c) => `<th>${c}</th>`).join('')}</tr></thead>`;
  const empty = `<tr class="empty" hidden><td colspan="${columns.length}">No matching rows</td></tr>`;
  const html = `<table id="${id}">${head}<tbody>\n${rows}\n${empty}</tbody></table>`;
  return count > COLLAPSE_TABLE_AFTER
    ? `<details class="table"><summary>${count} rows</summary>${html}</details>`
    : html;
}

function chip(status: string, label = status): string {
  return `<span class="chip s-${escape(status)}">${escape(label)}</span>`;
}

function location(test: Pick<ReportTest, 'file' | 'line'>): string {
  return `<span class="loc">${escape(`${test.file}:${test.line}`)}</span>`;
}

function requirementRow(report: TraceReport, r: ReportRequirement): string {
  const status = displayStatus(r);
  const linked = r.tests.map((i) => report.tests[i]!);
  // With evidence each test shows the outcome its requirement's verdict was judged from.
  const items = [
    ...linked.map(
      (t) => `<li>${escape(t.fullName)} ${location(t)}${t.outcome ? ` ${chip(t.outcome)}` : ''}</li>`,
    ),
    ...r.evidenceTests.map(
      (t) =>
        `<li>${escape(t.name)} <span class="loc">${escape(t.line === null ? t.file : `${t.file}:${t.line}`)}</span> ${chip(t.outcome)} ${chip('none', 'run evidence only')}</li>`,
    ),
  ].join('');
  const list = `<ul class="tests">${items}</ul>`;
  const count = linked.length + r.evidenceTests.length;
  const tests = !count
    ? chip('none', 'no tests')
    : count > COLLAPSE_AFTER
      ? `<details><summary>${count} tests</summary>${list}</details>`
      : list;
  const failed = r.failedTests.map((i) => report.tests[i]!);
  const failedList = failed.length
    ? `<div class="failed-tests">Failed: <ul>${failed.map((t) => `<li>${escape(t.fullName)} ${location(t)}</li>`).join('')}</ul></div>`
    : '';
  return `<tr data-status="${escape(status)}"><td class="id">${escape(r.id)}</td><td>${chip(status)}${r.suspect ? chip('suspect') : ''}</td><td>${escape(r.text)}<div class="loc">${escape(`${r.file}:${r.line}`)}</div></td><td>${failedList}${tests}</td></tr>`;
}

function testRow(t: ReportTest): string {
  const ids = [
    ...t.ids.map((id) => chip(t.suspect ? 'suspect' : 'covered', id)),
    ...t.invalidIds.map((id) => chip('failed', `unknown ${id}`)),
  ];
  const outcome = t.outcome ?? (t.mode === 'run' || t.mode === 'only' ? null : t.mode);
  return `<tr><td>${escape(t.fullName)}</td><td class="loc">${escape(`${t.file}:${t.line}`)}</td><td>${ids.length ? ids.join('') : chip('uncovered', 'untagged')}</td><td>${outcome ? chip(outcome) : ''}</td></tr>`;
}

function problemRow(p: ReportProblem): string {
  return `<tr><td class="loc">${escape(`${p.file}:${p.line}:${p.column}`)}</td><td>${chip(p.kind === 'uncalled-test' ? 'skipped' : 'failed', p.kind)}</td><td>${escape(p.message)}</td></tr>`;
}

function escape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** The page's style sheet. */
const STYLE = sourceFile(import.meta.url, 'html/report.css');

// Plain browser JavaScript (html/filter.js) that only filters the rows already in the page; without
// it the page shows everything.
const SCRIPT = sourceFile(import.meta.url, 'html/filter.js');
