// A run in a few lines of Markdown, for the job summary of a CI system and for people opening the
// results: test-results/<run-id>/summary.md. The outcome and why, each shard with its pod and node,
// the failed tests at the line they failed, the slowest tests, the requirements verified.
import { formatDuration } from '../duration.ts';
import { tableCell } from '../ci/github.ts';
import type { JUnitTestCase } from './junit-cases.ts';
import type { RunReport } from './report.ts';

/** Where a test failed, for the summary: the path shown and, in CI, a link to the line. */
export interface SummaryLocation {
  path: string;
  line?: number;
  link?: string;
}

export interface RunSummaryInput {
  report: RunReport;
  cases: readonly JUnitTestCase[];
  /** The failed test's location, relative to the repository. */
  locate: (test: JUnitTestCase) => SummaryLocation | undefined;
}

/** How many of the slowest tests are listed, and of the failed tests before the rest are counted. */
const SLOWEST = 5;
const FAILED_SHOWN = 20;

export function renderRunSummary({ report, cases, locate }: RunSummaryInput): string {
  const out: string[] = [
    `### incluster run \`${report.runId}\`: ${report.outcome.toUpperCase()}`,
    '',
    `${report.message}${countsText(report)}, in ${formatDuration(report.durationMs)} on the ${report.cluster.provider} cluster \`${report.cluster.name}\`${report.cluster.serverVersion ? ` (Kubernetes ${report.cluster.serverVersion})` : ''}.${report.reason ? ` Reason: **${report.reason}**.` : ''}`,
  ];
  if (report.shards.length) {
    out.push('', '| Shard | Pod | Node | Ended | Tests took |', '| ---: | --- | --- | --- | ---: |');
    for (const shard of report.shards)
      out.push(
        `| ${shard.index} | ${cell(shard.pod)} | ${cell(shard.node)} | ${tableCell(shardEnd(shard))} | ${shard.testDurationMs === undefined ? '' : formatDuration(shard.testDurationMs)} |`,
      );
  }
  const failed = cases.filter((test) => test.outcome === 'failed' || test.outcome === 'error');
  if (failed.length) {
    out.push('', `**Failed tests** (${failed.length})`, '');
    for (const test of failed.slice(0, FAILED_SHOWN)) {
      const where = locate(test);
      const at = where ? `${where.path}${where.line ? `:${where.line}` : ''}` : test.classname;
      const shown = where?.link ? `[\`${at}\`](${where.link})` : `\`${at}\``;
      out.push(`- ${shown} ${tableCell(test.name)}: ${tableCell(test.failure?.message ?? 'failed')}`);
    }
    if (failed.length > FAILED_SHOWN) out.push(`- … and ${failed.length - FAILED_SHOWN} more`);
  }
  const slowest = cases
    .filter((test) => test.outcome !== 'skipped' && test.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, SLOWEST);
  if (slowest.length) {
    out.push('', '| Slowest tests | Took |', '| --- | ---: |');
    for (const test of slowest)
      out.push(
        `| ${tableCell(`${test.file ?? test.classname} › ${test.name}`)} | ${formatDuration(test.seconds * 1000)} |`,
      );
  }
  if (report.traceability) {
    const r = report.traceability.requirements;
    const list = (ids: string[]) => (ids.length ? ` (${ids.join(', ')})` : '');
    out.push(
      '',
      `Requirements verified in the cluster: ${r.passed.length} passed${list(r.passed)}, ${r.failed.length} failed${list(r.failed)}, ${r.unverified.length} unverified${list(r.unverified)}.`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** The counts, when the message does not already say them all passed. */
function countsText(report: RunReport): string {
  const t = report.tests;
  if (!t || report.outcome === 'passed') return '';
  return ` (${t.tests} tests: ${t.failures} failed, ${t.errors} errors, ${t.skipped} skipped)`;
}

function shardEnd(shard: RunReport['shards'][number]): string {
  if (shard.state === 'infrastructure')
    return `${shard.reason ?? 'infrastructure'}${shard.message ? `: ${shard.message}` : ''}`;
  return `exit ${shard.exitCode ?? '?'}`;
}

function cell(value: string | undefined): string {
  return value ? tableCell(value) : '';
}
