// The test cases of a run's merged JUnit, for people: which failed and where (the file and the line
// of the failing assertion, as the failure's stack or pytest's report names it), and how long each
// took. Read from any runner's JUnit: incluster's Vitest reporter writes `file` and `line`, pytest
// (xunit2) only a dotted `classname` and a report whose crash line is `path:line: Error`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

/** One test case of the merged JUnit. */
export interface JUnitTestCase {
  suite: string;
  classname: string;
  name: string;
  /** The test file as the JUnit names it (attribute or classname), relative to the runner's root. */
  file?: string;
  /** The test's declaration line, when the JUnit gives it. */
  line?: number;
  seconds: number;
  outcome: 'passed' | 'failed' | 'error' | 'skipped';
  failure?: { message: string; details: string };
}

type XmlNode = Record<string, unknown>;

/** Every test case of a JUnit document, in document order; an unreadable document has none. */
export function junitTestCases(xml: string): JUnitTestCase[] {
  let document: XmlNode;
  try {
    document = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseAttributeValue: false,
      parseTagValue: false,
      trimValues: false,
      isArray: (name) => ['testsuite', 'testcase', 'failure', 'error'].includes(name),
    }).parse(xml) as XmlNode;
  } catch {
    return [];
  }
  const cases: JUnitTestCase[] = [];
  const visit = (node: unknown, suite: string): void => {
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as XmlNode)) {
      if (key === 'testcase') for (const testcase of value as XmlNode[]) cases.push(toCase(testcase, suite));
      else if (key === 'testsuite')
        for (const child of value as XmlNode[]) visit(child, text(child.name) || suite);
      else if (key === 'testsuites') visit(value, suite);
    }
  };
  visit(document, '');
  return cases;
}

function toCase(testcase: XmlNode, suite: string): JUnitTestCase {
  const problem = ((testcase.failure ?? testcase.error) as XmlNode[] | string[] | undefined)?.[0];
  const outcome = testcase.failure
    ? 'failed'
    : testcase.error
      ? 'error'
      : testcase.skipped !== undefined
        ? 'skipped'
        : 'passed';
  const line = Number(testcase.line);
  const classname = text(testcase.classname);
  return {
    suite,
    classname,
    name: text(testcase.name),
    file: text(testcase.file) || undefined,
    ...(Number.isInteger(line) && line > 0 ? { line } : {}),
    seconds: Number(testcase.time) || 0,
    outcome,
    ...(problem === undefined
      ? {}
      : {
          failure:
            typeof problem === 'string'
              ? { message: firstLine(problem), details: problem }
              : {
                  message: text(problem.message) || firstLine(text(problem['#text'])),
                  details: text(problem['#text']) || text(problem.message),
                },
        }),
  };
}

/**
 * Where a failed test failed, relative to `root` (the runner's build context, which is the pod's
 * working directory): its file, and the line of the assertion when the failure's text points into
 * that file (a stack frame `…/tests/a.test.ts:12:5`, pytest's `tests/test_a.py:12: AssertionError`),
 * else the test's own line.
 */
export function failureLocation(
  test: JUnitTestCase,
  root: string,
): { file: string; line?: number; column?: number } | undefined {
  const file = test.file ?? fileOfClassname(test.classname, root);
  if (!file) return undefined;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const failure = `${test.failure?.details ?? ''}\n${test.failure?.message ?? ''}`;
  // pytest lists the traceback's entries as `path:line: …`, the failing one last.
  const pytestEntries = [...failure.matchAll(new RegExp(`^${escaped}:(\\d+): `, 'gm'))];
  if (pytestEntries.length) return { file, line: Number(pytestEntries.at(-1)![1]) };
  // A JavaScript stack: the first frame in the test file is where the assertion was made.
  const frame = new RegExp(`(?:^|[\\s(/])${escaped}:(\\d+)(?::(\\d+))?`, 'm').exec(failure);
  if (frame) return { file, line: Number(frame[1]), ...(frame[2] ? { column: Number(frame[2]) } : {}) };
  return { file, ...(test.line ? { line: test.line } : {}) };
}

/**
 * A test file from a classname: a path when it is one (Vitest writes the file), else a dotted
 * Python module (`tests.integration.test_x.TestClass`), resolved to the longest prefix that is a
 * file under `root`.
 */
function fileOfClassname(classname: string, root: string): string | undefined {
  if (!classname) return undefined;
  if (classname.includes('/') || /\.[cm]?[jt]sx?$/.test(classname))
    return existsSync(join(root, classname)) ? classname : undefined;
  const parts = classname.split('.');
  for (let length = parts.length; length > 0; length -= 1) {
    const path = `${parts.slice(0, length).join('/')}.py`;
    if (existsSync(join(root, path))) return path;
  }
  return undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function firstLine(value: string): string {
  return value.trim().split('\n')[0] ?? '';
}
