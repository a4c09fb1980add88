// The traceability report's JSON format, versioned by `schemaVersion`. The published JSON Schema
// (schema/traceability-report.schema.json) is generated from this definition, and the TypeScript
// types are inferred from it, so the three cannot drift apart.
import { z } from 'zod';
import { REPORT_SCHEMA_VERSION } from './report-version.ts';

export { REPORT_SCHEMA_VERSION };

const location = {
  file: z.string().describe('Path relative to the project root, with / separators.'),
  line: z.number().int().min(1),
};

const requirementEntry = z.object({
  id: z.string(),
  title: z.string().describe('The first sentence of the requirement.'),
  text: z.string(),
  ...location,
  fingerprint: z.string().describe('sha256 of the normalized text (first 16 hex digits).'),
  confirmedFingerprint: z
    .string()
    .nullable()
    .describe('The fingerprint recorded in the baseline; null when the requirement is not in it.'),
  suspect: z.boolean().describe('The text changed since its tests were last confirmed.'),
  status: z.enum(['covered', 'uncovered']),
  failedTests: z
    .array(z.number().int().min(0))
    .describe('Indexes into `tests` of its tests that failed in the run evidence; empty without evidence.'),
  verdict: z
    .enum(['passed', 'failed', 'unverified', 'not-run'])
    .nullable()
    .describe(
      'From run evidence (--require-passing), judged from the outcomes of `tests` and `evidenceTests` as the report shows them: failed if one failed, passed if one passed and none failed, unverified if they were only skipped, not-run if none ran; null without evidence.',
    ),
  tests: z.array(z.number().int().min(0)).describe('Indexes into `tests`.'),
  evidenceTests: z
    .array(
      z.object({
        file: z.string().describe("The evidence's file (JUnit: `file`, else `classname`)."),
        line: z.number().int().nullable(),
        name: z.string(),
        outcome: z.enum(['passed', 'failed', 'skipped', 'pending']),
      }),
    )
    .describe(
      'Tests in the run evidence that carry this ID and match no collected test (another runner, a test made at run time); they count in the verdict.',
    ),
});

const testEntry = z.object({
  ...location,
  column: z.number().int().min(1),
  name: z.string(),
  fullName: z.string().describe('Enclosing describe names and the test name, joined with " > ".'),
  mode: z.enum(['run', 'skip', 'only', 'todo']),
  each: z.boolean().describe('Declared with .each or .for: one declaration, several tests at run time.'),
  ids: z.array(z.string()).describe('Requirement IDs of the test, inherited ones included.'),
  invalidIds: z.array(z.string()).describe('Tags that are unknown or malformed requirement IDs.'),
  otherTags: z.array(z.string()),
  suspect: z.boolean(),
  outcome: z
    .enum(['passed', 'failed', 'skipped', 'pending', 'not-run'])
    .nullable()
    .describe('From run evidence; null without evidence.'),
});

const problemEntry = z.object({
  kind: z
    .enum([
      'untagged-test',
      'unknown-id',
      'malformed-id',
      'unresolved-tags',
      'invalid-api',
      'unresolved-import',
      'uncalled-test',
      'no-tests',
      'vitest-config',
      'test-set',
    ])
    .describe(
      'invalid-api: a call Vitest 5 rejects when it loads the file; unresolved-import: an import Vite cannot resolve (the file fails to load); uncalled-test: a test in a function nothing calls (reported, not counted, does not fail the gate); no-tests: a test file without tests; vitest-config: a part of the Vitest config that cannot be resolved statically; test-set: a file where trace.tests and Vitest disagree.',
    ),
  ...location,
  column: z.number().int().min(1),
  id: z.string().nullable(),
  message: z.string(),
});

const gateFailure = z.object({
  code: z.enum([
    'below-threshold',
    'untagged-tests',
    'unknown-ids',
    'malformed-ids',
    'unresolved-tags',
    'invalid-api',
    'no-tests',
    'vitest-config',
    'test-set',
    'no-requirements',
    'failed-requirements',
    'unverified-requirements',
    'evidence-module-errors',
    'suspect-links',
  ]),
  message: z.string(),
});

export const reportSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    generatedAt: z.string().describe('ISO 8601 time the report was made.'),
    settings: z.object({
      specs: z.array(z.string()),
      tests: z.array(z.string()),
      testSet: z
        .object({
          from: z.enum(['vitest', 'trace.tests']),
          vitestConfig: z.string().nullable(),
          projects: z.array(z.string()),
        })
        .describe(
          "Where the test files came from: Vitest's config (or defaults), or the trace.tests override.",
        ),
      idPattern: z.string(),
      threshold: z.number().min(0).max(100),
      allowUntagged: z.boolean(),
      allowUnverified: z
        .boolean()
        .describe(
          'A covered requirement whose tests were only skipped or did not run passes the gate (--allow-unverified, trace.allowUnverified).',
        ),
      baseline: z.string(),
    }),
    summary: z.object({
      requirements: z.number().int(),
      covered: z.number().int(),
      uncovered: z.number().int(),
      percentage: z.number().describe('covered / requirements × 100, one decimal; 100 when there are none.'),
      testFiles: z.number().int(),
      tests: z.number().int(),
      untaggedTests: z.number().int(),
      unknownIds: z.number().int(),
      malformedIds: z.number().int(),
      unresolvedTags: z.number().int(),
      invalidApis: z.number().int().describe('Calls Vitest 5 rejects, and imports that do not resolve.'),
      uncalledTests: z.number().int(),
      emptyFiles: z.number().int(),
      testSetProblems: z
        .number()
        .int()
        .describe('Vitest config parts not resolvable, and trace.tests disagreements.'),
      suspectRequirements: z.number().int(),
      suspectLinks: z.number().int(),
      evidence: z
        .object({
          files: z.array(z.string()),
          shards: z.array(z.string()),
          tests: z.number().int(),
          unmatched: z
            .number()
            .int()
            .describe('Evidence tests that match no collected test (listed under their requirements).'),
          passed: z.number().int(),
          failed: z.number().int(),
          unverified: z.number().int(),
          notRun: z.number().int(),
          moduleErrors: z.array(z.object({ file: z.string(), message: z.string() })),
        })
        .nullable(),
    }),
    gate: z.object({ passed: z.boolean(), failures: z.array(gateFailure) }),
    baseline: z.object({
      file: z.string(),
      present: z.boolean(),
      changed: z.array(z.string()),
      added: z.array(z.string()),
      removed: z.array(z.string()),
    }),
    requirements: z.array(requirementEntry),
    tests: z.array(testEntry),
    problems: z.array(problemEntry),
  })
  .describe('incluster traceability report');

/** The whole report, as written with `--format json`. */
export type TraceReport = z.output<typeof reportSchema>;
/** One requirement's line in the report. */
export type ReportRequirement = z.output<typeof requirementEntry>;
/** One test's line in the report. */
export type ReportTest = z.output<typeof testEntry>;
/** One problem found in the test files. */
export type ReportProblem = z.output<typeof problemEntry>;
/** Why the gate failed. */
export type GateFailure = z.output<typeof gateFailure>;

/** The JSON Schema of the report, as published in schema/traceability-report.schema.json. */
export function reportJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(reportSchema, { target: 'draft-2020-12' });
}
