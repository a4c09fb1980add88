// Run evidence judged per requirement. Apart from evidence.ts, whose schema needs zod: the report
// judges evidence it is given, and a trace without evidence loads neither.
import type { RunEvidence } from './evidence.ts';

/** The verdict on one requirement from run evidence. */
export type RequirementVerdict = 'passed' | 'failed' | 'unverified' | 'not-run';

/**
 * The verdict on each requirement ID found in the evidence: failed if any of its tests failed,
 * passed if one passed and none failed, unverified if its tests were only skipped.
 */
export function judgeRequirements(evidence: RunEvidence): Map<string, RequirementVerdict> {
  const verdicts = new Map<string, RequirementVerdict>();
  const order: Record<RequirementVerdict, number> = { failed: 3, passed: 2, unverified: 1, 'not-run': 0 };
  for (const test of evidence.tests) {
    const verdict: RequirementVerdict =
      test.outcome === 'failed' ? 'failed' : test.outcome === 'passed' ? 'passed' : 'unverified';
    for (const id of test.ids) {
      const seen = verdicts.get(id) ?? 'not-run';
      if (order[verdict] > order[seen]) verdicts.set(id, verdict);
    }
  }
  return verdicts;
}
