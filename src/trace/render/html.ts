// The report as one self-contained HTML page (no network, no external files): a summary, the
// requirements with their tests, the tests with their requirements, status colours, and a filter
// box. Every table is in the HTML itself, so the page reads where scripts are blocked (CI artifact
// viewers with a strict content security policy); the inline script only filters. Long lists are
// collapsed into <details>, so a page of 10,000 tests opens at its summary.
import type { ReportProblem, ReportRequirement, ReportTest, TraceReport } from '../report-schema.ts';
import { displayStatus, gateHeadline } from '../report.ts';

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
<style>${STYLE}</style>
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
<script>${SCRIPT}</script>
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

const STYLE = `
:root { --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5;
  --none: #57606a; --none-bg: #eaeef2; --sus: #8250df; --sus-bg: #fbefff; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #fff; }
header { padding: 16px 24px 8px; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: #fff; z-index: 1; }
h1 { font-size: 20px; margin: 0 0 6px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
main { padding: 0 24px 24px; }
.gate { margin: 0 0 10px; font-weight: 600; padding: 6px 10px; border-radius: 6px; display: inline-block; }
.gate-passed { color: var(--ok); background: var(--ok-bg); }
.gate-failed { color: var(--bad); background: var(--bad-bg); }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; min-width: 92px; }
.card b { display: block; font-size: 18px; }
.failures { margin: 0 0 8px; padding-left: 20px; color: var(--bad); }
.filter { font-weight: 600; }
.filter input { font: inherit; width: 380px; max-width: 70vw; padding: 5px 8px; margin-left: 6px; border: 1px solid var(--line); border-radius: 6px; }
.shown { color: var(--none); margin-left: 10px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: #f6f8fa; font-weight: 600; }
td.id { white-space: nowrap; font-family: ui-monospace, monospace; }
.loc { font-family: ui-monospace, monospace; font-size: 12px; color: var(--none); white-space: nowrap; }
.chip { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; white-space: nowrap; margin: 1px 2px 1px 0; }
.s-covered, .s-passed { color: var(--ok); background: var(--ok-bg); }
.s-uncovered, .s-failed { color: var(--bad); background: var(--bad-bg); }
.s-unverified, .s-skipped, .s-todo, .s-skip { color: var(--warn); background: var(--warn-bg); }
.s-not-run, .s-pending, .s-none { color: var(--none); background: var(--none-bg); }
.s-suspect { color: var(--sus); background: var(--sus-bg); }
ul.tests { margin: 0; padding-left: 16px; }
tr[hidden] { display: none; }
details > summary { cursor: pointer; color: var(--none); }
.failed-tests { color: var(--bad); margin-bottom: 4px; }
.failed-tests ul { margin: 0; padding-left: 16px; }
tr.empty td { color: var(--none); font-style: italic; }
footer { color: var(--none); padding: 8px 24px 24px; font-size: 12px; }
`;

// Plain browser JavaScript that only filters the rows already in the page; without it the page
// shows everything.
const SCRIPT = `
(function () {
  var rows = [].slice.call(document.querySelectorAll('tbody tr:not(.empty)')).map(function (row) {
    return { row: row, text: row.textContent.toLowerCase() + ' ' + (row.getAttribute('data-status') || '') };
  });
  var placeholders = [].slice.call(document.querySelectorAll('tbody tr.empty'));
  var input = document.getElementById('filter');
  var shown = document.getElementById('shown');
  function apply() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var visible = 0;
    rows.forEach(function (entry) {
      var match = words.every(function (w) { return entry.text.indexOf(w) !== -1; });
      entry.row.hidden = !match;
      if (match) visible += 1;
    });
    placeholders.forEach(function (row) {
      row.hidden = row.parentNode.querySelectorAll('tr:not(.empty):not([hidden])').length > 0;
    });
    // A filter opens the collapsed lists it matched in, so the matches are visible.
    if (words.length) [].slice.call(document.querySelectorAll('details')).forEach(function (d) { d.open = true; });
    shown.textContent = words.length ? visible + ' of ' + rows.length + ' rows match' : '';
  }
  input.addEventListener('input', apply);
  apply();
})();
`;
