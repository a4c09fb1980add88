// What a collection is: the tests a suite declares, the problems found reading it, and where its
// test files came from. The pytest collector and the report read these types; collect.ts plans a
// collection and walk.ts reads each file.
import { relative } from 'node:path';
import type { TestMode } from './test-api.ts';

/** One test as declared in the source. */
export interface CollectedTest {
  /** Test file, relative to the root, with `/` separators. */
  file: string;
  line: number;
  column: number;
  /** The test's own name (a template for `.each`/`.for`). */
  name: string;
  /** Names of the enclosing suites, outermost first. */
  suites: string[];
  /** Suites and name joined with ` > `, as Vitest prints them. */
  fullName: string;
  /** Every tag that applies: the file's, the suites' and the test's own, in that order, unique. */
  tags: string[];
  mode: TestMode;
  each: boolean;
  conditional: boolean;
  /**
   * A problem was reported for this declaration (a tag that cannot be resolved, a removed API): it
   * is not also counted as untagged, one problem per cause.
   */
  reported?: boolean;
}

/**
 * Something in a test file the collector could not resolve, or that Vitest would not run as
 * written. Every kind fails the trace gate except `uncalled-test`, which is reported and not counted.
 */
export interface CollectionProblem {
  kind:
    | 'unresolved-tags'
    | 'invalid-api'
    | 'unresolved-import'
    | 'uncalled-test'
    | 'no-tests'
    | 'vitest-config'
    | 'test-set';
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Where the test files came from. */
export interface TestSetSource {
  /** `vitest`: what Vitest's config selects; `trace.tests`: the override in incluster.config.yaml. */
  from: 'vitest' | 'trace.tests';
  /** Vitest's config file, relative to the root; null when there is none (Vitest's defaults). */
  vitestConfig: string | null;
  /** Vitest's projects, by name. */
  projects: string[];
}

/** The result of collecting a suite. */
export interface Collection {
  /** Test files, relative to the root. */
  files: string[];
  tests: CollectedTest[];
  problems: CollectionProblem[];
  /** How many files were taken from the cache instead of parsed (0 without a cache). */
  reused: number;
  source: TestSetSource;
}

export interface CollectOptions {
  /** Directory the globs and reported paths are relative to. */
  root: string;
  /**
   * Globs of test files (`trace.tests`): an override of what Vitest's configuration selects. Without
   * them, the test set is Vitest's: its config resolved statically, or its defaults.
   */
  include?: readonly string[];
  exclude?: readonly string[];
  /**
   * With `include`: report each file where the override and Vitest's config disagree (a file Vitest
   * runs that the override misses, or one it counts that Vitest never runs); they fail the gate.
   */
  compareWithVitest?: boolean;
  /**
   * Reuse what unchanged files declared in an earlier collection (node_modules/.cache/incluster),
   * and record this one. Off by default; `incluster trace` turns it on.
   */
  cache?: boolean;
}

/** What one test file declares. */
export interface FileCollection {
  /** The file, relative to the root. */
  file: string;
  tests: CollectedTest[];
  problems: CollectionProblem[];
}

/** A path as collections report it: relative to the root, with `/` separators. */
export function toRelative(root: string, file: string): string {
  return relative(root, file).split('\\').join('/');
}
