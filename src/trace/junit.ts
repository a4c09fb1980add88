// JUnit XML with each test case's requirement IDs as `<property name="requirements" value="…"/>`,
// the form Xray-style test management tools read. (Vitest's own JUnit reporter writes no tags.)
import { hostname } from 'node:os';

/** One test case as JUnit sees it. */
export interface JUnitCase {
  /** Usually the test file. */
  classname: string;
  name: string;
  file: string;
  line?: number;
  seconds: number;
  requirements: string[];
  outcome: 'passed' | 'failed' | 'skipped' | 'pending';
  failure?: { message: string; type?: string; details?: string };
}

/** One test file. */
export interface JUnitSuite {
  name: string;
  cases: JUnitCase[];
  /** An error that stopped the file before its tests ran. */
  error?: string;
}

/** Renders the suites as one `<testsuites>` document. */
export function renderJUnit(
  suites: readonly JUnitSuite[],
  options: { name?: string; timestamp?: Date } = {},
): string {
  const timestamp = (options.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, '');
  const host = hostname();
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const body: string[] = [];
  for (const suite of suites) {
    const failures = suite.cases.filter((c) => c.outcome === 'failed').length;
    const skipped = suite.cases.filter((c) => c.outcome === 'skipped' || c.outcome === 'pending').length;
    const errors = suite.error ? 1 : 0;
    const time = suite.cases.reduce((sum, c) => sum + c.seconds, 0);
    totals.tests += suite.cases.length;
    totals.failures += failures;
    totals.errors += errors;
    totals.skipped += skipped;
    totals.time += time;
    body.push(
      `  <testsuite name="${attr(suite.name)}" timestamp="${timestamp}" hostname="${attr(host)}" tests="${suite.cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds(time)}">`,
    );
    for (const test of suite.cases) body.push(...renderCase(test));
    if (suite.error) body.push(`    <system-err>${text(suite.error)}</system-err>`);
    body.push('  </testsuite>');
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(options.name ?? 'vitest tests')}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds(totals.time)}">`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}

function renderCase(test: JUnitCase): string[] {
  const lineAttr = test.line === undefined ? '' : ` line="${test.line}"`;
  const out = [
    `    <testcase classname="${attr(test.classname)}" name="${attr(test.name)}" time="${seconds(test.seconds)}" file="${attr(test.file)}"${lineAttr}>`,
    '      <properties>',
    `        <property name="requirements" value="${attr(test.requirements.join(','))}"/>`,
    '      </properties>',
  ];
  if (test.outcome === 'failed') {
    const failure = test.failure ?? { message: 'failed' };
    out.push(
      `      <failure message="${attr(failure.message)}" type="${attr(failure.type ?? 'Error')}">${text(failure.details ?? failure.message)}</failure>`,
    );
  } else if (test.outcome === 'skipped' || test.outcome === 'pending') out.push('      <skipped/>');
  out.push('    </testcase>');
  return out;
}

function seconds(value: number): string {
  return value.toFixed(3);
}

// XML 1.0 forbids most control characters even when escaped; they are dropped.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(value: string): string {
  return value
    .replace(INVALID_XML, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

function attr(value: string): string {
  return text(value)
    .replaceAll('"', '&quot;')
    .replaceAll('\n', '&#10;')
    .replaceAll('\r', '&#13;')
    .replaceAll('\t', '&#9;');
}
