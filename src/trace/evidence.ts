// Run-time evidence: which tests ran, with which requirement IDs, and how they ended. Written by
// the RequirementsReporter as traceability.json (one file per run or shard), merged across shards,
// and read by `incluster trace --require-passing`. JUnit XML whose test cases carry a `requirements`
// property is accepted too, so a suite of any runner (pytest, JUnit, Go) can feed the gate.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { worstOutcome } from './verdicts.ts';

/** The version of the traceability.json format. */
export const EVIDENCE_SCHEMA_VERSION = 1;

const outcome = z.enum(['passed', 'failed', 'skipped', 'pending']);

const evidenceTest = z.object({
  /** Test file relative to the run's root, `/` separators. */
  file: z.string(),
  line: z.number().int().optional(),
  /**
   * JUnit's `classname`, kept as written: pytest's (`tests.test_orders.TestOrders`) is where its
   * test is, when the JUnit has no `file` attribute.
   */
  classname: z.string().optional(),
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

/**
 * Reads and validates a traceability.json, or a JUnit XML file with requirement properties; a
 * missing or malformed file is a UsageError (exit 2).
 */
export async function readEvidence(file: string): Promise<RunEvidence> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read run evidence ${file}`, { cause: error });
  }
  if (
    text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('<')
  )
    return readJUnitEvidence(file, text);
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

type XmlNode = Record<string, unknown>;

/**
 * Evidence from JUnit XML: one test per `<testcase>`, its IDs from `<property name="requirements"
 * value="ID1,ID2"/>` (or `requirement`, repeated or comma/space-separated), its outcome from
 * `<failure>`/`<error>`/`<skipped>`. `file` is the test case's `file` attribute, else its
 * `classname`. A file with no `<testcase>` at all is refused: it is not evidence of anything.
 */
export async function readJUnitEvidence(file: string, text: string): Promise<RunEvidence> {
  // Loaded here, not with the module: every trace loads this module, few read JUnit XML, and the
  // XML parser costs about 30 ms of each CLI start.
  const { XMLParser } = await import('fast-xml-parser');
  let document: XmlNode;
  try {
    document = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseAttributeValue: false,
      isArray: (name) => ['testsuite', 'testcase', 'property', 'properties'].includes(name),
    }).parse(text, true) as XmlNode;
  } catch (error) {
    throw new UsageError(`${file} is neither traceability JSON nor well-formed JUnit XML`, { cause: error });
  }
  const tests: EvidenceTest[] = [];
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as XmlNode)) {
      if (key === 'testcase') for (const testcase of value as XmlNode[]) tests.push(junitCase(testcase));
      else if (key === 'testsuite' || key === 'testsuites') for (const child of [value].flat()) visit(child);
    }
  };
  visit(document);
  if (!tests.length && !/<testsuites?[\s>]/.test(text))
    throw new UsageError(`${file}: not JUnit XML (no <testsuites> or <testsuite>)`);
  return {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    kind: 'incluster-trace-evidence',
    createdAt: new Date().toISOString(),
    shards: [],
    tests,
    moduleErrors: [],
  };
}

/** An attribute's or element's text; anything else (a nested element) is empty. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function junitCase(testcase: XmlNode): EvidenceTest {
  const properties = ((testcase.properties as XmlNode[] | undefined) ?? []).flatMap(
    (p) => (p.property as XmlNode[] | undefined) ?? [],
  );
  const ids = properties
    .filter((p) => p.name === 'requirements' || p.name === 'requirement')
    .flatMap((p) => text(p.value ?? p['#text']).split(/[\s,]+/))
    .filter(Boolean);
  const has = (key: string) => testcase[key] !== undefined;
  const outcome: TestOutcome =
    has('failure') || has('error') ? 'failed' : has('skipped') ? 'skipped' : 'passed';
  const line = Number(testcase.line);
  const time = Number(testcase.time);
  const classname = testcase.classname === undefined ? undefined : text(testcase.classname);
  return {
    file: text(testcase.file ?? testcase.classname),
    ...(Number.isInteger(line) && line > 0 ? { line } : {}),
    ...(classname === undefined ? {} : { classname }),
    fullName: text(testcase.name),
    project: '',
    ids: [...new Set(ids)],
    tags: [...new Set(ids)],
    outcome,
    ...(Number.isFinite(time) ? { durationMs: time * 1000 } : {}),
  };
}

/**
 * Merges the evidence of several runs or shards into one. A test seen more than once (a retry, an
 * overlapping shard) keeps its worst outcome: failed over passed over skipped.
 */
export function mergeEvidence(parts: readonly RunEvidence[]): RunEvidence {
  const tests = new Map<string, EvidenceTest>();
  for (const part of parts) {
    for (const test of part.tests) {
      const key = `${test.project}\0${test.file}\0${test.classname ?? ''}\0${test.fullName}\0${test.line ?? ''}`;
      const seen = tests.get(key);
      if (!seen || worstOutcome(seen.outcome, test.outcome) !== seen.outcome)
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

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
