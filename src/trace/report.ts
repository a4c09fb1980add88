// Builds the traceability report from its inputs: the registry, the collected tests, the baseline
// and, optionally, run evidence. Pure: no files are read here, so every rule is testable alone.
import type { Baseline } from './baseline.ts';
import { diffBaseline } from './baseline.ts';
import type { Collection } from './collect/collection.ts';
import type { EvidenceTest, RunEvidence } from './evidence.ts';
import { joinEvidence } from './evidence-join.ts';
import type { Registry } from './registry.ts';
import type {
  GateFailure,
  ReportProblem,
  ReportRequirement,
  ReportTest,
  TraceReport,
} from './report-schema.ts';
import { REPORT_SCHEMA_VERSION } from './report-version.ts';
import { verdictOf } from './verdicts.ts';

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
    /**
     * With evidence, let a covered requirement whose tests were only skipped, or did not run, pass
     * the gate (`--allow-unverified`, `trace.allowUnverified`); by default it fails it.
     */
    allowUnverified?: boolean;
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
 * When unverified requirements were let through, it says so.
 */
export function gateHeadline(report: TraceReport): string {
  const s = report.summary;
  const coverage = `${s.covered} of ${s.requirements} requirements covered (${s.percentage}%, threshold ${report.settings.threshold}%)`;
  const allowed = allowedUnverified(report);
  const note = allowed.length
    ? `; ${allowed.length} covered requirement${allowed.length === 1 ? '' : 's'} not verified by a passing test, allowed by allowUnverified: ${allowed.map((r) => r.id).join(', ')}`
    : '';
  if (report.gate.passed) return `Gate passed: ${coverage}${note}`;
  return `Gate failed: ${report.gate.failures.map((f) => f.message).join('; ')}. ${coverage}${note}`;
}

/** The unverified requirements the gate let through (`--allow-unverified`); empty when it did not. */
export function allowedUnverified(report: TraceReport): ReportRequirement[] {
  return report.summary.evidence && report.settings.allowUnverified
    ? unverifiedRequirements(report.requirements)
    : [];
}

/** A requirement's tests as the report shows them: the collected ones, then evidence-only ones. */
export function testsWithOutcomes(
  report: TraceReport,
  requirement: ReportRequirement,
): { where: string; name: string; outcome: string }[] {
  return [
    ...requirement.tests.map((index) => {
      const t = report.tests[index]!;
      return { where: `${t.file}:${t.line}`, name: t.fullName, outcome: t.outcome ?? t.mode };
    }),
    ...requirement.evidenceTests.map((t) => ({
      where: t.line === null ? t.file : `${t.file}:${t.line}`,
      name: t.name,
      outcome: `${t.outcome}, run evidence only`,
    })),
  ];
}

/** Builds the report and decides the gate. */
export function buildReport(input: ReportInput): TraceReport {
  const { registry, collection, baseline, evidence, settings } = input;
  const format = registry.format;
  const diff = baseline ? diffBaseline(registry, baseline) : { changed: [], added: [], removed: [] };
  const changed = new Set(diff.changed);
  const joined = evidence ? joinEvidence(collection.tests, evidence.data) : undefined;

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
    const outcome = joined ? joined.outcomes[index]! : null;
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

  const unmatchedById = byRequirement(joined?.unmatched ?? []);
  const requirements: ReportRequirement[] = registry.requirements.map((requirement) => {
    const linked = testsById.get(requirement.id) ?? [];
    const evidenceTests = (unmatchedById.get(requirement.id) ?? []).map((test) => ({
      file: test.file,
      line: test.line ?? null,
      name: test.fullName,
      outcome: test.outcome,
    }));
    // One truth: the verdict is judged from the outcomes the report shows for its tests.
    const outcomes = [
      ...linked.map((index) => tests[index]!.outcome),
      ...evidenceTests.map((t) => t.outcome),
    ];
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
      verdict: joined ? verdictOf(outcomes) : null,
      tests: linked,
      evidenceTests,
    };
  });

  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  const summary = summarize(collection, tests, requirements, problems, evidence, joined);
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
      allowUnverified: settings.allowUnverified ?? false,
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

/** The report's counts: coverage, each kind of problem, suspect links, and the evidence's verdicts. */
function summarize(
  collection: ReportInput['collection'],
  tests: readonly ReportTest[],
  requirements: readonly ReportRequirement[],
  problems: readonly ReportProblem[],
  evidence: ReportInput['evidence'],
  joined: ReturnType<typeof joinEvidence> | undefined,
): TraceReport['summary'] {
  const covered = requirements.filter((r) => r.status === 'covered').length;
  const total = requirements.length;
  // No requirements is not 100% of them: a spec without requirements proves nothing.
  const percentage = total === 0 ? 0 : Math.floor((covered / total) * 1000) / 10;
  const count = (kind: ReportProblem['kind']) => problems.filter((p) => p.kind === kind).length;
  const suspectRequirements = requirements.filter((r) => r.suspect);
  return {
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
          unmatched: joined!.unmatched.length,
          passed: requirements.filter((r) => r.verdict === 'passed').length,
          failed: requirements.filter((r) => r.verdict === 'failed').length,
          unverified: requirements.filter((r) => r.verdict === 'unverified').length,
          notRun: requirements.filter((r) => r.verdict === 'not-run').length,
          moduleErrors: evidence.data.moduleErrors,
        }
      : null,
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
  const unverified = unverifiedRequirements(requirements);
  if (summary.evidence && unverified.length && !settings.allowUnverified)
    failures.push({
      code: 'unverified-requirements',
      message: `requirements no passing test verified (their tests were skipped or did not run): ${unverified.map((r) => r.id).join(', ')}`,
    });
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
 * Covered requirements that the evidence does not show passing and that did not fail: their tests
 * were only skipped (`unverified`) or never ran (`not-run`). An uncovered requirement is the
 * threshold's concern, not this.
 */
export function unverifiedRequirements(requirements: readonly ReportRequirement[]): ReportRequirement[] {
  return requirements.filter(
    (r) => r.status === 'covered' && (r.verdict === 'unverified' || r.verdict === 'not-run'),
  );
}

/** Evidence tests by the requirement IDs they carried when they ran. */
function byRequirement(tests: readonly EvidenceTest[]): Map<string, EvidenceTest[]> {
  const byId = new Map<string, EvidenceTest[]>();
  for (const test of tests)
    for (const id of test.ids) {
      const list = byId.get(id);
      if (list) list.push(test);
      else byId.set(id, [test]);
    }
  return byId;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
