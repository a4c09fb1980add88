// Run-time evidence: which tests ran, with which requirement IDs, and how they ended. Written by
// the RequirementsReporter as traceability.json (one file per run or shard), merged across shards,
// and read by `incluster trace --require-passing`.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from '../errors.ts';

/** The version of the traceability.json format. */
export const EVIDENCE_SCHEMA_VERSION = 1;

const outcome = z.enum(['passed', 'failed', 'skipped', 'pending']);

const evidenceTest = z.object({
  /** Test file relative to the run's root, `/` separators. */
  file: z.string(),
  line: z.number().int().optional(),
  fullName: z.string(),
  project: z.string().default(''),
  /** Requirement IDs among the test's tags. */
  ids: z.array(z.string()),
  tags: z.array(z.string()).default([]),
  outcome,
  durationMs: z.number().optional(),
});

export const evidenceSchema = z.object({
  schemaVersion: z.literal(EVIDENCE_SCHEMA_VERSION),
  kind: z.literal('incluster-trace-evidence'),
  createdAt: z.string(),
  /** The shards this evidence covers, `1/3`; several after a merge. */
  shards: z.array(z.string()).default([]),
  tests: z.array(evidenceTest),
  /** Test files that failed before their tests ran (syntax error, failing import). */
  moduleErrors: z.array(z.object({ file: z.string(), message: z.string() })).default([]),
});

/** One executed (or skipped) test. */
export type EvidenceTest = z.output<typeof evidenceTest>;
/** The outcome of one test. */
export type TestOutcome = z.output<typeof outcome>;
/** The content of traceability.json. */
export type RunEvidence = z.output<typeof evidenceSchema>;

/** The verdict on one requirement from run evidence. */
export type RequirementVerdict = 'passed' | 'failed' | 'unverified' | 'not-run';

/** Reads and validates a traceability.json; a missing or malformed file is a UsageError (exit 2). */
export async function readEvidence(file: string): Promise<RunEvidence> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read run evidence ${file}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON`, { cause: error });
  }
  const parsed = evidenceSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `${file}: not a traceability evidence file: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/**
 * Merges the evidence of several runs or shards into one. A test seen more than once (a retry, an
 * overlapping shard) keeps its worst outcome: failed over passed over skipped.
 */
export function mergeEvidence(parts: readonly RunEvidence[]): RunEvidence {
  const rank: Record<TestOutcome, number> = { failed: 3, passed: 2, skipped: 1, pending: 0 };
  const tests = new Map<string, EvidenceTest>();
  for (const part of parts) {
    for (const test of part.tests) {
      const key = `${test.project}\0${test.file}\0${test.fullName}\0${test.line ?? ''}`;
      const seen = tests.get(key);
      if (!seen || rank[test.outcome] > rank[seen.outcome])
        tests.set(key, { ...test, ids: unique([...(seen?.ids ?? []), ...test.ids]) });
    }
  }
  return {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    kind: 'incluster-trace-evidence',
    createdAt:
      parts
        .map((p) => p.createdAt)
        .sort()
        .at(-1) ?? new Date().toISOString(),
    shards: unique(parts.flatMap((p) => p.shards)).sort(),
    tests: [...tests.values()],
    moduleErrors: parts.flatMap((p) => p.moduleErrors),
  };
}

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

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
