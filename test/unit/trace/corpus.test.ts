// The corpus (test/trace-corpus): for each case, what `incluster trace` collects and reports must
// equal what Vitest's own import-based collection implies. Vitest is the oracle: its test cases,
// their tags and locations, and the files it fails to load.
import { mkdir, symlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createVitest } from 'vitest/node';
import { CORPUS, type CorpusCase } from '../../trace-corpus/cases.ts';
import { collectTests } from '../../../src/trace/collect/collect.ts';
import type { Collection } from '../../../src/trace/collect/collection.ts';
import { traceProject } from '../../../src/trace/project-trace.ts';
import { loadRegistry } from '../../../src/trace/registry.ts';
import type { TraceReport } from '../../../src/trace/report-schema.ts';
import { makeProject } from './temp-project.ts';

const REPO = resolve(import.meta.dirname, '../../..');
const TRACE = {
  specs: ['specs/**/spec.md'],
  idPattern: '^\\d{3}-FR-\\d{3}$',
  threshold: 100,
  allowUntagged: false,
  allowUnverified: false,
  tests: ['test/**/*.test.ts'],
  lockFile: 'specs/traceability.lock',
};

/** What Vitest collected from one case. */
interface VitestView {
  files: Set<string>;
  /** `file:line` → the ID-like tags of each test case declared there. */
  tests: { file: string; line: number; name: string; tags: string[]; mode: string }[];
  /** Files Vitest failed to load, with the error. */
  failed: Map<string, string>;
}

async function materialize(c: CorpusCase): Promise<string> {
  const root = await makeProject({ 'package.json': '{ "type": "module" }\n', ...c.files });
  // Only vitest is linked: the case resolves `vitest` as a user's project would.
  await mkdir(join(root, 'node_modules'), { recursive: true });
  await symlink(join(REPO, 'node_modules/vitest'), join(root, 'node_modules/vitest'));
  return root;
}

async function vitestView(root: string, c: CorpusCase): Promise<VitestView> {
  const config = ['vitest.config.ts'].find((f) => f in c.files);
  const vitest = await createVitest('test', {
    root,
    config: config ? join(root, config) : false,
    watch: false,
    reporters: [],
    includeTaskLocation: true,
    strictTags: false,
  });
  try {
    const result = await vitest.collect(undefined, { staticParse: false });
    const view: VitestView = { files: new Set(), tests: [], failed: new Map() };
    for (const module of result.testModules) {
      const file = relative(root, module.moduleId).split('\\').join('/');
      view.files.add(file);
      const errors = module.errors();
      if (errors.length) view.failed.set(file, errors.map((e) => e.message).join('; '));
      for (const testCase of module.children.allTests())
        view.tests.push({
          file,
          line: testCase.location?.line ?? 0,
          name: testCase.fullName,
          tags: [...testCase.tags],
          mode: testCase.options.mode,
        });
    }
    return view;
  } finally {
    await vitest.close();
  }
}

const ID_LIKE = /^\d+-fr-\d+$/i;

/** Every difference between the trace and Vitest's collection, as sentences. */
function compare(view: VitestView, collection: Collection, report: TraceReport): string[] {
  const diffs: string[] = [];
  const ours = new Set(collection.files);
  for (const file of view.files)
    if (!ours.has(file)) diffs.push(`Vitest runs ${file}; the trace does not collect it`);
  for (const file of ours)
    if (!view.files.has(file)) diffs.push(`the trace collects ${file}; Vitest does not run it`);
  const failing = new Set(report.problems.filter((p) => p.kind !== 'uncalled-test').map((p) => p.file));
  for (const [file, error] of view.failed)
    if (!failing.has(file))
      diffs.push(`Vitest fails to load ${file} (${error}); the trace reports no problem there`);

  const byLine = new Map<string, Collection['tests']>();
  for (const t of collection.tests)
    byLine.set(`${t.file}:${t.line}`, [...(byLine.get(`${t.file}:${t.line}`) ?? []), t]);
  const ids = (tags: readonly string[]) => tags.filter((t) => ID_LIKE.test(t)).sort();
  for (const theirs of view.tests) {
    const mine = byLine.get(`${theirs.file}:${theirs.line}`);
    if (!mine?.length) {
      diffs.push(
        `Vitest declares "${theirs.name}" at ${theirs.file}:${theirs.line}; the trace has no test there`,
      );
      continue;
    }
    const agrees = mine.some((m) => ids(m.tags).join() === ids(theirs.tags).join());
    // A tag that cannot be known statically must be reported at the test (or its suite).
    if (!agrees && !mine.some((m) => m.reported))
      diffs.push(
        `"${theirs.name}" at ${theirs.file}:${theirs.line}: Vitest tags [${ids(theirs.tags).join()}], the trace [${mine.map((m) => ids(m.tags).join()).join(' | ')}] without reporting it`,
      );
  }
  const theirLines = new Set(view.tests.map((t) => `${t.file}:${t.line}`));
  for (const t of collection.tests)
    if (!theirLines.has(`${t.file}:${t.line}`) && !view.failed.has(t.file))
      diffs.push(`the trace counts "${t.fullName}" at ${t.file}:${t.line}; Vitest has no such test`);

  // Requirements: covered by a non-todo test carrying the ID, for Vitest's tests and the report.
  const known = new Set(report.requirements.map((r) => r.id));
  const coveredByVitest = new Set(
    view.tests.filter((t) => t.mode !== 'todo').flatMap((t) => t.tags.filter((tag) => known.has(tag))),
  );
  const coveredByTrace = new Set(report.requirements.filter((r) => r.status === 'covered').map((r) => r.id));
  const reportedAt = new Set(collection.tests.filter((t) => t.reported).map((t) => `${t.file}:${t.line}`));
  // Covered in Vitest only through tags the trace reported as not knowable statically: agreed.
  const onlyReported = (id: string) =>
    view.tests.filter((t) => t.tags.includes(id)).every((t) => reportedAt.has(`${t.file}:${t.line}`));
  for (const id of known)
    if (coveredByVitest.has(id) !== coveredByTrace.has(id) && !(coveredByVitest.has(id) && onlyReported(id)))
      diffs.push(
        `${id}: Vitest's tests ${coveredByVitest.has(id) ? 'cover' : 'do not cover'} it, the trace says ${coveredByTrace.has(id) ? 'covered' : 'uncovered'}`,
      );

  // Untagged and unknown: at the same places, once each.
  const untagged = (list: { file: string; line: number }[]) =>
    [...new Set(list.map((t) => `${t.file}:${t.line}`))].sort();
  const theirUntagged = untagged(
    view.tests.filter((t) => ids(t.tags).length === 0 && !reportedAt.has(`${t.file}:${t.line}`)),
  );
  const ourUntagged = untagged(report.problems.filter((p) => p.kind === 'untagged-test'));
  if (theirUntagged.join() !== ourUntagged.join())
    diffs.push(`untagged: Vitest [${theirUntagged.join(', ')}], the trace [${ourUntagged.join(', ')}]`);
  const unknown = (pairs: string[]) => [...new Set(pairs)].sort().join(', ');
  const theirUnknown = unknown(
    view.tests.flatMap((t) =>
      t.tags.filter((tag) => ID_LIKE.test(tag) && !known.has(tag)).map((tag) => `${t.file}:${t.line} ${tag}`),
    ),
  );
  const ourUnknown = unknown(
    report.problems
      .filter((p) => p.kind === 'unknown-id' || p.kind === 'malformed-id')
      .map((p) => `${p.file}:${p.line} ${p.id}`),
  );
  if (theirUnknown !== ourUnknown)
    diffs.push(`unknown IDs: Vitest [${theirUnknown}], the trace [${ourUnknown}]`);
  return diffs;
}

describe('the corpus agrees with Vitest case by case', { tags: ['001-FR-068', '001-FR-032'] }, () => {
  for (const c of CORPUS) {
    test(c.name, { timeout: 60_000, tags: c.tags }, async () => {
      const root = await materialize(c);
      const view = await vitestView(root, c);
      const run = () =>
        traceProject({
          root,
          trace: TRACE,
          cache: false,
          evidenceFiles: (c.evidence ?? []).map((f) => join(root, f)),
        });
      if (c.expect?.throws) {
        await expect(run()).rejects.toThrow(c.expect.throws);
        // Vitest fails the same file.
        expect([...view.failed.keys()].length, 'Vitest loads every file').toBeGreaterThan(0);
        return;
      }
      const { report } = await run();
      const collection = collectTests({ root });
      expect(compare(view, collection, report), JSON.stringify(view.tests)).toEqual([]);
      const kinds = new Set(report.problems.map((p) => p.kind));
      for (const kind of c.expect?.problems ?? []) expect(kinds, `reports ${kind}`).toContain(kind);
      for (const kind of c.expect?.noProblems ?? [])
        expect(kinds, `does not report ${kind}`).not.toContain(kind);
      if (c.expect?.gate)
        expect(report.gate.passed ? 'passed' : 'failed', JSON.stringify(report.gate.failures)).toBe(
          c.expect.gate,
        );
      if (c.expect?.requirements)
        expect(loadRegistry({ root }).requirements.map((r) => r.id)).toEqual(c.expect.requirements);
      if (c.expect?.failed)
        expect(report.requirements.filter((r) => r.verdict === 'failed').map((r) => r.id)).toEqual(
          c.expect.failed,
        );
    });
  }
});

describe('the comparison itself', { tags: ['001-FR-068'] }, () => {
  test(
    'catches a dropped tag, a missing test and a silently lost run-time tag',
    { timeout: 60_000 },
    async () => {
      const c = CORPUS.find((x) => x.name === 'describe inheritance and file-level tags')!;
      const root = await materialize(c);
      const view = await vitestView(root, c);
      const { report } = await traceProject({ root, trace: TRACE, cache: false });
      const collection = collectTests({ root });
      expect(compare(view, collection, report)).toEqual([]);
      const lying: Collection = {
        ...collection,
        tests: collection.tests.slice(1).map((t, i) => (i === 0 ? { ...t, tags: t.tags.slice(0, -1) } : t)),
      };
      const diffs = compare(view, lying, report);
      expect(diffs.some((d) => d.includes('the trace has no test there'))).toBe(true);
      expect(diffs.some((d) => d.includes('without reporting it'))).toBe(true);
      const uncovered = {
        ...report,
        requirements: report.requirements.map((r) => ({ ...r, status: 'uncovered' as const })),
      };
      expect(compare(view, collection, uncovered).some((d) => d.includes('the trace says uncovered'))).toBe(
        true,
      );
    },
  );
});
