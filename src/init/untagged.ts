// The tests a repository already has that name no requirement: `init` relaxes the trace gate
// (trace.allowUntagged) only when there are some, and names them. Found the way `incluster trace`
// finds them, statically: Vitest test files parsed by the trace collector, pytest suites read by
// pytest's own rules; a test is untagged when none of its tags looks like a requirement ID.
import { collectTests } from '../trace/collect/collect.ts';
import { compileIdFormat, DEFAULT_ID_PATTERN } from '../trace/ids.ts';
import { collectPytest } from '../trace/pytest/collect.ts';
import type { ProjectLayout } from './project.ts';

/** One test that names no requirement: where it is declared, and its name. */
export interface UntaggedTest {
  file: string;
  line: number;
  name: string;
}

export interface UntaggedTests {
  vitest: UntaggedTest[];
  pytest: UntaggedTest[];
}

/** The untagged tests of the repository, by suite; the example tests init writes are not counted. */
export async function findUntaggedTests(layout: ProjectLayout): Promise<UntaggedTests> {
  const format = compileIdFormat(DEFAULT_ID_PATTERN);
  const untagged = (
    tests: { file: string; line: number; fullName: string; tags: string[]; reported?: boolean }[],
  ) =>
    tests
      .filter((test) => !test.reported && test.tags.every((tag) => format.classify(tag) === 'other'))
      .map((test) => ({ file: test.file, line: test.line, name: test.fullName }));
  const vitest = layout.existingTests.length
    ? untaggedOrWholeFiles(layout.existingTests, () =>
        untagged(collectTests({ root: layout.root, include: layout.existingTests }).tests),
      )
    : [];
  const python = layout.python;
  let pytest: UntaggedTest[] = [];
  if (python?.testFiles.length)
    try {
      const collected = await collectPytest({ root: layout.root, format });
      pytest = untagged((collected?.tests ?? []).filter((test) => test.file !== python.exampleTest));
    } catch {
      // No python3 here, or a file pytest would not parse: the files without any marker instead.
      pytest = wholeFiles(python.existingTests);
    }
  return { vitest, pytest };
}

/** The collector's answer, or, when a file cannot be parsed, each file as one untagged entry. */
function untaggedOrWholeFiles(files: string[], collect: () => UntaggedTest[]): UntaggedTest[] {
  try {
    return collect();
  } catch {
    return wholeFiles(files);
  }
}

function wholeFiles(files: readonly string[]): UntaggedTest[] {
  return files.map((file) => ({ file, line: 1, name: '(its tests)' }));
}

/** `tests/unit/math.test.ts:4 adds`, for people. */
export function describeUntagged(test: UntaggedTest): string {
  return `${test.file}:${test.line} ${test.name}`;
}
