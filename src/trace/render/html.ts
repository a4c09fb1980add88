// The report as one self-contained HTML page (no network, no external files): a summary, the
// requirements with their tests, the tests with their requirements, status colours, and a filter
// box that narrows both tables as you type.
import type { TraceReport } from '../report-schema.ts';

/** Renders the page; the report is embedded as JSON and drawn by an inline script. */
export function renderHtml(report: TraceReport): string {
  // `<` is escaped so no string in the data can close the script element.
  const data = JSON.stringify(report).replaceAll('<', '\\u003c');
  const s = report.summary;
  const verdict = report.gate.passed ? 'passed' : 'failed';
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
  <p class="gate gate-${verdict}" data-testid="gate">Gate ${verdict}: ${s.covered} of ${s.requirements} requirements covered (${s.percentage}%, threshold ${report.settings.threshold}%)</p>
  <div class="cards" id="cards"></div>
  <ul class="failures" id="failures"></ul>
  <label class="filter">Filter <input id="filter" type="search" placeholder="ID, words of a requirement, test name or file" autocomplete="off" autofocus></label>
  <span id="shown" class="shown"></span>
</header>
<main>
  <section>
    <h2>Requirements → tests</h2>
    <table id="requirements"><thead><tr><th>ID</th><th>Status</th><th>Requirement</th><th>Tests</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Tests → requirements</h2>
    <table id="tests"><thead><tr><th>Test</th><th>Location</th><th>Requirements</th><th>Outcome</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="problems-section">
    <h2>Problems</h2>
    <table id="problems"><thead><tr><th>Where</th><th>Kind</th><th>Detail</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<footer>Report schema v${report.schemaVersion}, generated ${report.generatedAt}</footer>
<script type="application/json" id="report-data">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
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
tr.empty td { color: var(--none); font-style: italic; }
footer { color: var(--none); padding: 8px 24px 24px; font-size: 12px; }
`;

// Plain browser JavaScript: builds the rows from the embedded report, then filters them.
const SCRIPT = `
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) node.setAttribute(key, attrs[key]);
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function chip(status, label) { return el('span', { class: 'chip s-' + status }, [label || status]); }
  var s = report.summary;
  var cards = [['Requirements', s.requirements], ['Covered', s.covered], ['Uncovered', s.uncovered],
    ['Coverage', s.percentage + '%'], ['Tests', s.tests], ['Untagged', s.untaggedTests],
    ['Unknown IDs', s.unknownIds], ['Suspect links', s.suspectLinks]];
  if (s.evidence) cards.push(['Failed', s.evidence.failed], ['Unverified', s.evidence.unverified]);
  cards.forEach(function (c) { document.getElementById('cards').appendChild(el('div', { class: 'card' }, [el('b', {}, [String(c[1])]), c[0]])); });
  report.gate.failures.forEach(function (f) { document.getElementById('failures').appendChild(el('li', {}, [f.message])); });

  var rows = [];
  var reqBody = document.querySelector('#requirements tbody');
  report.requirements.forEach(function (r) {
    var status = r.status === 'uncovered' ? 'uncovered' : r.verdict || r.status;
    var tests = el('ul', { class: 'tests' }, r.tests.map(function (i) {
      var t = report.tests[i];
      return el('li', {}, [t.fullName + ' ', el('span', { class: 'loc' }, [t.file + ':' + t.line])]);
    }));
    var statusCell = el('td', {}, [chip(status)]);
    if (r.suspect) statusCell.appendChild(chip('suspect'));
    var row = el('tr', { 'data-status': status }, [
      el('td', { class: 'id' }, [r.id]), statusCell,
      el('td', {}, [r.text, el('div', { class: 'loc' }, [r.file + ':' + r.line])]),
      el('td', {}, r.tests.length ? [tests] : [chip('none', 'no tests')]),
    ]);
    reqBody.appendChild(row);
    rows.push({ row: row, text: [r.id, status, r.text, r.suspect ? 'suspect' : ''].concat(r.tests.map(function (i) {
      return report.tests[i].fullName + ' ' + report.tests[i].file; })).join(' ').toLowerCase() });
  });
  var testBody = document.querySelector('#tests tbody');
  report.tests.forEach(function (t) {
    var ids = t.ids.map(function (id) { return chip(t.suspect ? 'suspect' : 'covered', id); })
      .concat(t.invalidIds.map(function (id) { return chip('failed', 'unknown ' + id); }));
    var outcome = t.outcome || (t.mode === 'run' || t.mode === 'only' ? null : t.mode);
    var row = el('tr', {}, [
      el('td', {}, [t.fullName]), el('td', { class: 'loc' }, [t.file + ':' + t.line]),
      el('td', {}, ids.length ? ids : [chip('uncovered', 'untagged')]),
      el('td', {}, outcome ? [chip(outcome)] : []),
    ]);
    testBody.appendChild(row);
    rows.push({ row: row, text: [t.fullName, t.file, t.ids.join(' '), t.invalidIds.join(' '), outcome || '', ids.length ? '' : 'untagged'].join(' ').toLowerCase() });
  });
  var problemBody = document.querySelector('#problems tbody');
  report.problems.forEach(function (p) {
    var row = el('tr', {}, [el('td', { class: 'loc' }, [p.file + ':' + p.line + ':' + p.column]), el('td', {}, [chip('failed', p.kind)]), el('td', {}, [p.message])]);
    problemBody.appendChild(row);
    rows.push({ row: row, text: [p.file, p.kind, p.message].join(' ').toLowerCase() });
  });
  if (!report.problems.length) document.getElementById('problems-section').hidden = true;
  // Each table says so when the filter leaves it empty, instead of showing a bare header.
  var placeholders = ['requirements', 'tests', 'problems'].map(function (id) {
    var table = document.getElementById(id);
    var columns = table.querySelectorAll('thead th').length;
    var row = el('tr', { class: 'empty' }, [el('td', { colspan: String(columns) }, ['No matching rows'])]);
    row.hidden = true;
    table.querySelector('tbody').appendChild(row);
    return { body: table.querySelector('tbody'), row: row };
  });

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
    placeholders.forEach(function (p) {
      p.row.hidden = p.body.querySelectorAll('tr:not(.empty):not([hidden])').length > 0;
    });
    shown.textContent = words.length ? visible + ' of ' + rows.length + ' rows match' : '';
  }
  input.addEventListener('input', apply);
  apply();
})();
`;
