// Run evidence judged per requirement. Apart from evidence.ts, whose schema needs zod: the report
// judges evidence it is given, and a trace without evidence loads neither.
import type { RunEvidence, TestOutcome } from './evidence.ts';

/** The verdict on one requirement from run evidence. */
export type RequirementVerdict = 'passed' | 'failed' | 'unverified' | 'not-run';

const OUTCOME_RANK: Record<TestOutcome, number> = { failed: 3, passed: 2, skipped: 1, pending: 0 };

/** Of two outcomes of one test (a retry, an overlapping shard, two projects), the one that counts. */
export function worstOutcome(seen: TestOutcome | undefined, next: TestOutcome): TestOutcome {
  return seen === undefined || OUTCOME_RANK[next] > OUTCOME_RANK[seen] ? next : seen;
}

/**
 * A requirement's verdict from the outcomes of its tests: failed if any failed, passed if one
 * passed and none failed, unverified if they were only skipped (or pending), not-run if none ran.
 */
export function verdictOf(outcomes: Iterable<TestOutcome | 'not-run' | null>): RequirementVerdict {
  let verdict: RequirementVerdict = 'not-run';
  for (const outcome of outcomes) {
    if (outcome === 'failed') return 'failed';
    if (outcome === 'passed') verdict = 'passed';
    else if ((outcome === 'skipped' || outcome === 'pending') && verdict === 'not-run')
      verdict = 'unverified';
  }
  return verdict;
}

/**
 * The verdict on each requirement ID found in the evidence alone, by the IDs each test carried
 * when it ran (a run's report, where there is no collection to join with).
 */
export function judgeRequirements(evidence: RunEvidence): Map<string, RequirementVerdict> {
  const outcomes = new Map<string, TestOutcome[]>();
  for (const test of evidence.tests)
    for (const id of test.ids) outcomes.set(id, [...(outcomes.get(id) ?? []), test.outcome]);
  return new Map([...outcomes].map(([id, list]) => [id, verdictOf(list)]));
}
