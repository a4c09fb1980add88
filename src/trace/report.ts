// Builds the traceability report from its inputs: the registry, the collected tests, the baseline
// and, optionally, run evidence. Pure: no files are read here, so every rule is testable alone.
import type { Baseline } from './baseline.ts';
import { diffBaseline } from './baseline.ts';
import type { Collection } from './collect/collection.ts';
import type { RunEvidence, TestOutcome } from './evidence.ts';
import type { Registry } from './registry.ts';
import type {
  GateFailure,
  ReportProblem,
  ReportRequirement,
  ReportTest,
  TraceReport,
} from './report-schema.ts';
import { REPORT_SCHEMA_VERSION } from './report-version.ts';
import { judgeRequirements } from './verdicts.ts';

/** Everything a report is built from. */
export interface ReportInput {
  registry: Registry;
  collection: Collection;
  /** The confirmed fingerprints; undefined when there is no baseline file yet. */
  baseline: Baseline | undefined;
  /** Merged run evidence, with the files it came from. */
  evidence?: { data: RunEvidence; files: string[] };
  settings: {
    specs: string[];
    tests: string[];
    threshold: number;
    allowUntagged: boolean;
    baseline: string;
    /** Fail the gate when a link is suspect. */
    failOnSuspect?: boolean;
  };
  /** Defaults to now. */
  generatedAt?: Date;
}

/** The one status to show for a requirement: uncovered wins, then the run verdict, else covered. */
export function displayStatus(requirement: ReportRequirement): string {
  return requirement.status === 'uncovered' ? 'uncovered' : (requirement.verdict ?? requirement.status);
}

/**
 * The one line that says how the gate went and, when it failed, why: "Gate failed: failed
 * requirements: 001-FR-002; 1 test without a requirement ID (8 of 8 requirements covered, 100%)".
 */
export function gateHeadline(report: TraceReport): string {
  const s = report.summary;
  const coverage = `${s.covered} of ${s.requirements} requirements covered (${s.percentage}%, threshold ${report.settings.threshold}%)`;
  if (report.gate.passed) return `Gate passed: ${coverage}`;
  return `Gate failed: ${report.gate.failures.map((f) => f.message).join('; ')}. ${coverage}`;
}

/** Builds the report and decides the gate. */
export function buildReport(input: ReportInput): TraceReport {
  const { registry, collection, baseline, evidence, settings } = input;
  const format = registry.format;
  const diff = baseline ? diffBaseline(registry, baseline) : { changed: [], added: [], removed: [] };
  const changed = new Set(diff.changed);
  const outcomeOf = evidence ? outcomeFinder(evidence.data) : undefined;

  const problems: ReportProblem[] = collection.problems.map((p) => ({ ...p, id: null }));
  const testsById = new Map<string, number[]>();
  // A suite has few distinct tags and many tests: classify each tag once.
  const kinds = new Map<string, ReturnType<typeof format.classify>>();
  const tests: ReportTest[] = collection.tests.map((test, index) => {
    const ids: string[] = [];
    const invalidIds: string[] = [];
    const otherTags: string[] = [];
    let requirementLike = 0;
    for (const tag of test.tags) {
      let kind = kinds.get(tag);
      if (kind === undefined) kinds.set(tag, (kind = format.classify(tag)));
      if (kind === 'other') {
        otherTags.push(tag);
        continue;
      }
      requirementLike += 1;
      const where = { file: test.file, line: test.line, column: test.column, id: tag };
      if (kind === 'malformed' || !registry.byId.has(tag)) invalidIds.push(tag);
      if (kind === 'malformed')
        problems.push({
          kind: 'malformed-id',
          ...where,
          message: `malformed requirement ID \`${tag}\` (expected /${format.source}/)`,
        });
      else if (!registry.byId.has(tag))
        problems.push({ kind: 'unknown-id', ...where, message: `unknown requirement ID ${tag}` });
      else {
        ids.push(tag);
        if (test.mode !== 'todo') {
          const linked = testsById.get(tag);
          if (linked) linked.push(index);
          else testsById.set(tag, [index]);
        }
      }
    }
    // A test whose declaration already has a problem (a tag that cannot be resolved, a removed API)
    // is not also untagged: one problem per cause.
    if (requirementLike === 0 && !test.reported)
      problems.push({
        kind: 'untagged-test',
        file: test.file,
        line: test.line,
        column: test.column,
        id: null,
        message: `test has no requirement ID: ${test.fullName}`,
      });
    const outcome = outcomeOf ? outcomeOf(test) : null;
    return {
      file: test.file,
      line: test.line,
      column: test.column,
      name: test.name,
      fullName: test.fullName,
      mode: test.mode,
      each: test.each,
      ids,
      invalidIds,
      otherTags,
      suspect: ids.some((id) => changed.has(id)),
      outcome,
    };
  });

  const verdicts = evidence ? judgeRequirements(evidence.data) : undefined;
  const requirements: ReportRequirement[] = registry.requirements.map((requirement) => {
    const linked = testsById.get(requirement.id) ?? [];
    return {
      failedTests: linked.filter((index) => tests[index]!.outcome === 'failed'),
      id: requirement.id,
      title: requirement.title,
      text: requirement.text,
      file: requirement.file,
      line: requirement.line,
      fingerprint: requirement.fingerprint,
      confirmedFingerprint: baseline?.get(requirement.id) ?? null,
      suspect: changed.has(requirement.id),
      status: linked.length ? 'covered' : 'uncovered',
      verdict: verdicts ? (verdicts.get(requirement.id) ?? 'not-run') : null,
      tests: linked,
    };
  });

  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  const covered = requirements.filter((r) => r.status === 'covered').length;
  const total = requirements.length;
  // No requirements is not 100% of them: a spec without requirements proves nothing.
  const percentage = total === 0 ? 0 : Math.floor((covered / total) * 1000) / 10;
  const count = (kind: ReportProblem['kind']) => problems.filter((p) => p.kind === kind).length;
  const suspectRequirements = requirements.filter((r) => r.suspect);
  const summary: TraceReport['summary'] = {
    requirements: total,
    covered,
    uncovered: total - covered,
    percentage,
    testFiles: collection.files.length,
    tests: tests.length,
    untaggedTests: count('untagged-test'),
    unknownIds: count('unknown-id'),
    malformedIds: count('malformed-id'),
    unresolvedTags: count('unresolved-tags'),
    invalidApis: count('invalid-api') + count('unresolved-import'),
    uncalledTests: count('uncalled-test'),
    emptyFiles: count('no-tests'),
    testSetProblems: count('vitest-config') + count('test-set'),
    suspectRequirements: suspectRequirements.length,
    suspectLinks: suspectRequirements.reduce((sum, r) => sum + r.tests.length, 0),
    evidence: evidence
      ? {
          files: evidence.files,
          shards: evidence.data.shards,
          tests: evidence.data.tests.length,
          passed: requirements.filter((r) => r.verdict === 'passed').length,
          failed: requirements.filter((r) => r.verdict === 'failed').length,
          unverified: requirements.filter((r) => r.verdict === 'unverified').length,
          notRun: requirements.filter((r) => r.verdict === 'not-run').length,
          moduleErrors: evidence.data.moduleErrors,
        }
      : null,
  };
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: (input.generatedAt ?? new Date()).toISOString(),
    settings: {
      specs: settings.specs,
      tests: settings.tests,
      testSet: collection.source,
      idPattern: format.source,
      threshold: settings.threshold,
      allowUntagged: settings.allowUntagged,
      baseline: settings.baseline,
    },
    summary,
    gate: decideGate(summary, settings, requirements, problems),
    baseline: { file: settings.baseline, present: baseline !== undefined, ...diff },
    requirements,
    tests,
    problems,
  };
}

function decideGate(
  summary: TraceReport['summary'],
  settings: ReportInput['settings'],
  requirements: ReportRequirement[],
  problems: readonly ReportProblem[],
): TraceReport['gate'] {
  const problemsOf = (kind: ReportProblem['kind']) => problems.filter((p) => p.kind === kind).length;
  const failures: GateFailure[] = [];
  if (summary.requirements === 0)
    failures.push({
      code: 'no-requirements',
      message:
        'the spec files define no requirements (a requirement is a list item starting with its bold ID)',
    });
  else if (summary.percentage < settings.threshold)
    failures.push({
      code: 'below-threshold',
      message: `coverage ${summary.percentage}% is below the threshold of ${settings.threshold}% (${summary.uncovered} uncovered)`,
    });
  if (summary.untaggedTests > 0 && !settings.allowUntagged)
    failures.push({
      code: 'untagged-tests',
      message: `${plural(summary.untaggedTests, 'test')} without a requirement ID`,
    });
  if (summary.unknownIds > 0)
    failures.push({
      code: 'unknown-ids',
      message: `${plural(summary.unknownIds, 'unknown requirement ID')}`,
    });
  if (summary.malformedIds > 0)
    failures.push({
      code: 'malformed-ids',
      message: `${plural(summary.malformedIds, 'malformed requirement ID')}`,
    });
  if (summary.unresolvedTags > 0)
    failures.push({
      code: 'unresolved-tags',
      message: `${plural(summary.unresolvedTags, 'test')} with tags that cannot be resolved statically`,
    });
  if (summary.invalidApis > 0)
    failures.push({
      code: 'invalid-api',
      message: `${plural(summary.invalidApis, 'call or import')} that Vitest fails the test file on when it loads it`,
    });
  if (summary.emptyFiles > 0)
    failures.push({
      code: 'no-tests',
      message: `${plural(summary.emptyFiles, 'test file')} without tests`,
    });
  const configProblems = problemsOf('vitest-config');
  if (configProblems > 0)
    failures.push({
      code: 'vitest-config',
      message: `the Vitest config cannot be resolved statically (${plural(configProblems, 'problem')}): the test set is not known`,
    });
  const setProblems = problemsOf('test-set');
  if (setProblems > 0)
    failures.push({
      code: 'test-set',
      message: `trace.tests and the Vitest config disagree on ${plural(setProblems, 'file')}`,
    });
  if (summary.evidence && summary.evidence.failed > 0) {
    const failed = requirements.filter((r) => r.verdict === 'failed').map((r) => r.id);
    failures.push({ code: 'failed-requirements', message: `failed requirements: ${failed.join(', ')}` });
  }
  if (summary.evidence && summary.evidence.moduleErrors.length > 0)
    failures.push({
      code: 'evidence-module-errors',
      message: `${plural(summary.evidence.moduleErrors.length, 'test file')} failed before their tests ran`,
    });
  if (settings.failOnSuspect && summary.suspectLinks > 0)
    failures.push({ code: 'suspect-links', message: `${plural(summary.suspectLinks, 'suspect link')}` });
  return { passed: failures.length === 0, failures };
}

/**
 * Finds a collected test's outcome in the evidence: by file and line, else by full name, else (for
 * `.each`, `.for` and looped tests, whose names are templates) by matching the template. Several
 * run-time tests of one declaration give their worst outcome.
 */
function outcomeFinder(
  evidence: RunEvidence,
): (test: Collection['tests'][number]) => TestOutcome | 'not-run' {
  const rank: Record<TestOutcome, number> = { failed: 3, passed: 2, skipped: 1, pending: 0 };
  const byFile = new Map<string, RunEvidence['tests']>();
  for (const test of evidence.tests) byFile.set(test.file, [...(byFile.get(test.file) ?? []), test]);
  return (test) => {
    const candidates = byFile.get(test.file) ?? [];
    let matches = candidates.filter((e) => e.line === test.line);
    if (!matches.length) matches = candidates.filter((e) => e.fullName === test.fullName);
    if (!matches.length && /%[sdifjo#]|\$[\w{]/.test(test.fullName)) {
      const pattern = templatePattern(test.fullName);
      matches = candidates.filter((e) => pattern.test(e.fullName));
    }
    let worst: TestOutcome | undefined;
    for (const match of matches) if (!worst || rank[match.outcome] > rank[worst]) worst = match.outcome;
    return worst ?? 'not-run';
  };
}

/** `each row %i`, `case $a`, `looped ${n}` → a regular expression matching the names they produce. */
function templatePattern(template: string): RegExp {
  const placeholder = /%[sdifjo#]|\$\{[^}]*\}|\$[\w.]+/g;
  const parts = template.split(placeholder).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+?')}$`);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
