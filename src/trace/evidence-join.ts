// Joins run evidence to the collected tests, whatever form the evidence came in: the Vitest
// reporter's traceability.json and JUnit, Vitest's own JUnit, pytest-incluster's traceability.json,
// and pytest's JUnit (both families: `classname` `tests.test_orders.TestOrders` with or without
// `file`/`line`, parametrized ids, shards). Each collected test gets one outcome, and the evidence
// tests no collected test claims are kept apart: the report judges requirements from exactly these,
// so its tests table and its verdicts cannot disagree.
import type { CollectedTest } from './collect/collection.ts';
import type { EvidenceTest, RunEvidence, TestOutcome } from './evidence.ts';
import { worstOutcome } from './verdicts.ts';

/** The evidence as the collected tests see it. */
export interface EvidenceJoin {
  /** The outcome of each collected test (same order); `not-run` when no evidence test is its. */
  outcomes: (TestOutcome | 'not-run')[];
  /**
   * Evidence tests that no collected test claims: another runner's JUnit, a test generated at run
   * time, or one whose address matches tests in several files (never attributed to a guess).
   */
  unmatched: EvidenceTest[];
}

/** Finds, for every evidence test, the collected tests it ran, and gives each its worst outcome. */
export function joinEvidence(tests: readonly CollectedTest[], evidence: RunEvidence): EvidenceJoin {
  const vitest = new VitestTests(tests);
  const pytest = new PytestTests(tests);
  const seen: (TestOutcome | undefined)[] = tests.map(() => undefined);
  const unmatched: EvidenceTest[] = [];
  for (const test of evidence.tests) {
    const claims = vitest.claims(test) ?? pytest.claims(test);
    if (!claims?.length) {
      unmatched.push(test);
      continue;
    }
    for (const index of claims) seen[index] = worstOutcome(seen[index], test.outcome);
  }
  return { outcomes: seen.map((outcome) => outcome ?? 'not-run'), unmatched };
}

/**
 * Vitest's tests, found by file, then by line (the reporter's evidence and JUnit carry it), else
 * by full name (Vitest's own JUnit: `classname` is the file, `name` the full name), else, for
 * `.each`, `.for` and looped tests whose names are templates, by the name the template produces.
 */
class VitestTests {
  private readonly byFile = new Map<string, number[]>();
  private readonly patterns = new Map<number, RegExp | null>();
  private readonly tests: readonly CollectedTest[];

  constructor(tests: readonly CollectedTest[]) {
    this.tests = tests;
    tests.forEach((test, index) => {
      if (isPython(test.file)) return;
      const list = this.byFile.get(test.file);
      if (list) list.push(index);
      else this.byFile.set(test.file, [index]);
    });
  }

  /** The collected tests this evidence test ran; undefined when its file has none. */
  claims(evidence: EvidenceTest): number[] | undefined {
    const candidates = this.byFile.get(evidence.file);
    if (!candidates) return undefined;
    const at = (match: (index: number) => boolean) => candidates.filter(match);
    let found = evidence.line === undefined ? [] : at((i) => this.tests[i]!.line === evidence.line);
    if (!found.length) found = at((i) => this.tests[i]!.fullName === evidence.fullName);
    if (!found.length) found = at((i) => this.pattern(i)?.test(evidence.fullName) ?? false);
    return found;
  }

  private pattern(index: number): RegExp | null {
    let pattern = this.patterns.get(index);
    if (pattern === undefined) {
      const name = this.tests[index]!.fullName;
      pattern = /%[sdifjo#]|\$[\w{]/.test(name) ? templatePattern(name) : null;
      this.patterns.set(index, pattern);
    }
    return pattern;
  }
}

/** `each row %i`, `case $a`, `looped ${n}` → a regular expression matching the names they produce. */
function templatePattern(template: string): RegExp {
  const placeholder = /%[sdifjo#]|\$\{[^}]*\}|\$[\w.]+/g;
  return new RegExp(`^${template.split(placeholder).map(escapeRegExp).join('.+?')}$`);
}

/**
 * pytest's tests, found by their dotted address, the one pytest's JUnit writes: `classname` is the
 * module path relative to pytest's rootdir with its classes (`tests.test_orders.TestOrders`), `name`
 * the function with its parameter id (`test_total[2]`). The plugin's evidence gives the same
 * through `file` and the node id. The rootdir may sit below the trace root (a package in a
 * monorepo) or `junit_prefix` may prepend a name, so the module paths need only end alike.
 */
class PytestTests {
  /** Collected pytest tests by function name (parameter id left off). */
  private readonly byFunction = new Map<string, { index: number; path: string }[]>();
  private readonly tests: readonly CollectedTest[];

  constructor(tests: readonly CollectedTest[]) {
    this.tests = tests;
    tests.forEach((test, index) => {
      if (!isPython(test.file)) return;
      const { path, name } = pythonAddress(test.file, test.fullName);
      const key = functionOf(name);
      const list = this.byFunction.get(key);
      const entry = { index, path };
      if (list) list.push(entry);
      else this.byFunction.set(key, [entry]);
    });
  }

  /** The collected tests this evidence test ran; empty when none, or when tests in several places could be. */
  claims(evidence: EvidenceTest): number[] {
    const address = evidenceAddress(evidence);
    if (!address) return [];
    let candidates = (this.byFunction.get(functionOf(address.name)) ?? []).filter((c) =>
      sameModule(c.path, address.path),
    );
    const exactPath = candidates.filter((c) => c.path === address.path);
    if (exactPath.length) candidates = exactPath;
    if (new Set(candidates.map((c) => c.path)).size > 1) return [];
    const names = (match: (collected: string) => boolean) =>
      candidates.filter((c) => match(pythonAddress('', this.tests[c.index]!.fullName).name));
    // The same parameter id; else an id the collector could not compute (`?`); else a test the
    // collector saw unparametrized, which pytest parametrized at run time (fixture params, hooks).
    let found = names((name) => name === address.name);
    if (!found.length) found = names((name) => name.includes('?') && idPattern(name).test(address.name));
    if (!found.length) found = names((name) => name === functionOf(name));
    return found.map((c) => c.index);
  }
}

/** The dotted module path with classes, and the last name with its parameter id, of a pytest test. */
function pythonAddress(file: string, fullName: string): { path: string; name: string } {
  // Parameter ids may hold anything, `::` and dots included: split the names before them.
  const open = fullName.indexOf('[');
  const names = (open < 0 ? fullName : fullName.slice(0, open)).split('::');
  const name = names.pop()! + (open < 0 ? '' : fullName.slice(open));
  const module = file.replace(/\.py$/, '').split('/').filter(Boolean);
  return { path: [...module, ...names].join('.'), name };
}

/** A pytest evidence test's address: from JUnit's `classname`, else from a `.py` file. */
function evidenceAddress(evidence: EvidenceTest): { path: string; name: string } | undefined {
  if (evidence.classname !== undefined && !evidence.classname.includes('/'))
    return { path: evidence.classname, name: evidence.fullName };
  if (isPython(evidence.file)) return pythonAddress(evidence.file, evidence.fullName);
  return undefined;
}

/** Two dotted module paths name the same module when one ends with the other at a dot. */
function sameModule(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

function functionOf(name: string): string {
  const open = name.indexOf('[');
  return open < 0 ? name : name.slice(0, open);
}

/** `test_obj[?-1]` → matches `test_obj[x0-1]`: `?` stands for an id the collector could not compute. */
function idPattern(name: string): RegExp {
  return new RegExp(`^${name.split('?').map(escapeRegExp).join('.+?')}$`);
}

function isPython(file: string): boolean {
  return file.endsWith('.py');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
