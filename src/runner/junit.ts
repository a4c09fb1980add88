// Merging the shards' JUnit files into one (FR-016). Each test suite is carried over as it was
// written, properties (such as the `requirements` of FR-036) and failure messages included; only
// the root <testsuites> and its totals are recomputed from the test cases themselves.
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { firstLine } from '../errors.ts';

/** Totals over test cases, as JUnit reports them. */
export interface TestCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Seconds, summed over the suites' `time`. */
  time: number;
}

/** One input: a shard's JUnit text and where it came from, for error messages. */
export interface JUnitInput {
  source: string;
  xml: string;
}

/** One test case as the merged document holds it: where it came from and how long it took. */
export interface JUnitCase {
  /** Its <testsuite>'s name (Vitest: the test file). */
  suite: string;
  classname?: string;
  /** The `file` attribute, when the runner wrote one. */
  file?: string;
  name: string;
  seconds: number;
}

/** The merged document and what it holds. */
export interface MergedJUnit {
  xml: string;
  counts: TestCounts;
  cases: JUnitCase[];
  /** `suite › case: first line of the message` for each failed or errored case. */
  failed: string[];
  /** Inputs that were not JUnit, with why. */
  unreadable: { source: string; reason: string }[];
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
} as const;

/** Merges JUnit documents into one <testsuites> named `name`, recounting every total. */
export function mergeJUnit(inputs: readonly JUnitInput[], name: string): MergedJUnit {
  const parser = new XMLParser(OPTIONS);
  const suites: OrderedNode[] = [];
  const unreadable: MergedJUnit['unreadable'] = [];
  for (const input of inputs) {
    let document: OrderedNode[];
    try {
      document = parser.parse(input.xml) as OrderedNode[];
    } catch (error) {
      unreadable.push({
        source: input.source,
        reason: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const root = document.find((node) => tagOf(node) === 'testsuites' || tagOf(node) === 'testsuite');
    if (!root) {
      unreadable.push({ source: input.source, reason: 'no <testsuites> or <testsuite> element' });
      continue;
    }
    if (tagOf(root) === 'testsuite') suites.push(root);
    else suites.push(...childrenOf(root).filter((node) => tagOf(node) === 'testsuite'));
  }
  const counts: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  const failed: string[] = [];
  const cases: JUnitCase[] = [];
  for (const suite of suites) {
    counts.time += Number(suite[':@']?.time ?? 0) || 0;
    for (const testcase of childrenOf(suite).filter((node) => tagOf(node) === 'testcase')) {
      counts.tests += 1;
      const attributes = testcase[':@'] ?? {};
      cases.push({
        suite: suite[':@']?.name ?? '',
        classname: attributes.classname,
        file: attributes.file,
        name: attributes.name ?? '',
        seconds: Number(attributes.time ?? 0) || 0,
      });
      const children = childrenOf(testcase).map(tagOf);
      const failure = childrenOf(testcase).find((n) => tagOf(n) === 'failure' || tagOf(n) === 'error');
      if (children.includes('failure')) counts.failures += 1;
      else if (children.includes('error')) counts.errors += 1;
      else if (children.includes('skipped')) counts.skipped += 1;
      if (failure) {
        const message = failure[':@']?.message ?? textOf(failure);
        failed.push(
          `${suite[':@']?.name ?? '?'} › ${testcase[':@']?.name ?? '?'}: ${firstLine(message.trim())}`,
        );
      }
    }
  }
  const root: OrderedNode = {
    testsuites: suites,
    ':@': {
      name,
      tests: String(counts.tests),
      failures: String(counts.failures),
      errors: String(counts.errors),
      skipped: String(counts.skipped),
      time: counts.time.toFixed(3),
    },
  };
  const body = new XMLBuilder({ ...OPTIONS, format: false, suppressEmptyNode: true }).build([root]);
  return { xml: `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`, counts, cases, failed, unreadable };
}

function tagOf(node: OrderedNode): string {
  return Object.keys(node).find((key) => key !== ':@') ?? '';
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  const value = node[tagOf(node)];
  return Array.isArray(value) ? (value as OrderedNode[]) : [];
}

function textOf(node: OrderedNode): string {
  return childrenOf(node)
    .map((child) => {
      const text = child['#text'] ?? child['#cdata'];
      if (typeof text === 'string') return text;
      if (Array.isArray(text)) return text.map((t) => (t as { '#text'?: string })['#text'] ?? '').join('');
      return '';
    })
    .join('');
}
