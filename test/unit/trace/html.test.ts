import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { buildReport } from '../../../src/trace/report.ts';
import { buildRegistry, parseSpec } from '../../../src/trace/registry.ts';
import { compileIdFormat } from '../../../src/trace/ids.ts';
import { collectFiles } from '../../../src/trace/collect/collect.ts';
import { renderHtml } from '../../../src/trace/render/html.ts';
import { makeProject } from './temp-project.ts';

/** The browser globals used in page callbacks (the project's lib has no DOM types). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { color: string };
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A report with every status: covered, uncovered, failed, unverified, suspect, and problems. */
async function sampleReport() {
  const format = compileIdFormat();
  const specText = [
    '- **001-FR-001** `incluster up` creates the cluster and waits until it answers.',
    '- **001-FR-002** Manifests are applied with server-side apply.',
    '- **001-FR-003** Waits are watch-based and explain a timeout.',
    '- **001-FR-004** Secret values never appear in reports.',
    '- **001-FR-005** Interrupting a run deletes its Job and pods.',
  ].join('\n');
  const requirements = parseSpec(specText, 'specs/001-demo/spec.md', format);
  const registry = buildRegistry(requirements, ['specs/001-demo/spec.md'], format);
  const root = await makeProject({
    'test/cluster.test.ts': [
      "import { describe, test } from 'vitest';",
      "describe('up', { tags: ['001-FR-001'] }, () => {",
      "  test('creates the cluster', () => {});",
      "  test('reuses a running cluster', () => {});",
      '});',
      "test('applies manifests', { tags: ['001-FR-002'] }, () => {});",
      "test.skip('wait explains a timeout', { tags: ['001-FR-003'] }, () => {});",
      "test('an untagged test', () => {});",
      "test('a typo', { tags: ['001-FR-099'] }, () => {});",
    ].join('\n'),
  });
  const collection = collectFiles(root, [join(root, 'test/cluster.test.ts')]);
  const baseline = new Map(
    requirements.map((r) => [r.id, r.id === '001-FR-002' ? 'sha256:0000000000000000' : r.fingerprint]),
  );
  const evidence = {
    schemaVersion: 1 as const,
    kind: 'incluster-trace-evidence' as const,
    createdAt: '2026-11-24T00:00:00.000Z',
    shards: [],
    moduleErrors: [],
    tests: [
      {
        file: 'test/cluster.test.ts',
        line: 3,
        fullName: 'up > creates the cluster',
        project: '',
        ids: ['001-FR-001'],
        tags: [],
        outcome: 'passed' as const,
      },
      {
        file: 'test/cluster.test.ts',
        line: 4,
        fullName: 'up > reuses a running cluster',
        project: '',
        ids: ['001-FR-001'],
        tags: [],
        outcome: 'passed' as const,
      },
      {
        file: 'test/cluster.test.ts',
        line: 6,
        fullName: 'applies manifests',
        project: '',
        ids: ['001-FR-002'],
        tags: [],
        outcome: 'failed' as const,
      },
      {
        file: 'test/cluster.test.ts',
        line: 7,
        fullName: 'wait explains a timeout',
        project: '',
        ids: ['001-FR-003'],
        tags: [],
        outcome: 'skipped' as const,
      },
    ],
  };
  return buildReport({
    registry,
    collection,
    baseline,
    evidence: { data: evidence, files: ['test-results/traceability.json'] },
    settings: {
      specs: ['specs/**/spec.md'],
      tests: ['test/**/*.test.ts'],
      threshold: 100,
      allowUntagged: false,
      baseline: 'specs/traceability.lock',
    },
    generatedAt: new Date('2026-11-24T12:00:00Z'),
  });
}

describe('HTML report in a real browser', { tags: ['001-FR-034'], timeout: 60_000 }, () => {
  test('shows requirements and tests with status colours, and the filter narrows the rows', async () => {
    const report = await sampleReport();
    const outDir = resolve('test-results/trace');
    await mkdir(outDir, { recursive: true });
    const page = join(outDir, 'traceability.html');
    await writeFile(page, renderHtml(report));

    const profile = await mkdtemp(join(tmpdir(), 'incluster-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    try {
      const tab = await context.newPage();
      const requests: string[] = [];
      tab.on('request', (request) => requests.push(request.url()));
      await tab.goto(pathToFileURL(page).href);
      const visibleRows = () => tab.locator('tbody tr:not(.empty):visible');

      // The headline says why the gate failed, not only how much is covered.
      expect(await tab.getByTestId('gate').textContent()).toMatch(
        /^Gate failed: coverage 60% is below the threshold .*failed requirements: 001-FR-002; requirements no passing test verified \(their tests were skipped or did not run\): 001-FR-003\. 3 of 5 requirements covered/,
      );
      // The failed test is named under its failed requirement.
      expect(
        await tab
          .locator('#requirements tbody tr', { hasText: '001-FR-002' })
          .locator('.failed-tests')
          .textContent(),
      ).toContain('applies manifests');
      expect(await tab.locator('#requirements tbody tr:not(.empty)').count()).toBe(5);
      expect(await tab.locator('#tests tbody tr:not(.empty)').count()).toBe(6);
      const statusOf = (id: string) =>
        tab.locator('#requirements tbody tr', { hasText: id }).locator('.chip').allTextContents();
      // The verdict, then the outcome of each test it was judged from.
      expect(await statusOf('001-FR-001')).toEqual(['passed', 'passed', 'passed']);
      expect(await statusOf('001-FR-002')).toEqual(['failed', 'suspect', 'failed']);
      expect(await statusOf('001-FR-003')).toEqual(['unverified', 'skipped']);
      expect(await statusOf('001-FR-004')).toEqual(['uncovered', 'no tests']);
      // Status colours: failed is red, passed green.
      const colour = (id: string) =>
        tab
          .locator('#requirements tbody tr', { hasText: id })
          .locator('.chip')
          .first()
          .evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).color);
      expect(await colour('001-FR-002')).toBe('rgb(207, 34, 46)');
      expect(await colour('001-FR-001')).toBe('rgb(26, 127, 55)');

      expect(
        await tab.locator('#tests tbody tr', { hasText: 'a typo' }).locator('.chip').allTextContents(),
      ).toEqual(['unknown 001-FR-099', 'not-run']);
      const before = await visibleRows().count();
      expect(before).toBe(13);
      await tab.getByLabel('Filter').pressSequentially('manifests');
      const after = await visibleRows().allTextContents();
      expect(after.length).toBeGreaterThan(0);
      expect(after.length).toBeLessThan(before);
      for (const row of after) expect(row.toLowerCase()).toContain('manifests');
      expect(await tab.locator('#shown').textContent()).toBe(`${after.length} of ${before} rows match`);
      expect(await tab.locator('#problems tr.empty').isVisible()).toBe(true);
      expect(await tab.locator('#requirements tr.empty').isVisible()).toBe(false);
      await tab.screenshot({ path: join(outDir, 'traceability-html-filtered.png'), fullPage: true });

      await tab.getByLabel('Filter').fill('');
      expect(await visibleRows().count()).toBe(before);
      await tab.screenshot({ path: join(outDir, 'traceability-html.png'), fullPage: true });
      expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]); // self-contained
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  test(
    'reads the same with scripts blocked: the tables are in the HTML',
    { tags: ['001-FR-067'] },
    async () => {
      const report = await sampleReport();
      const outDir = resolve('test-results/trace');
      await mkdir(outDir, { recursive: true });
      const page = join(outDir, 'traceability-noscript.html');
      await writeFile(page, renderHtml(report));
      const profile = await mkdtemp(join(tmpdir(), 'incluster-chromium-'));
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_ARGS,
        javaScriptEnabled: false,
      });
      try {
        const tab = await context.newPage();
        await tab.goto(pathToFileURL(page).href);
        expect(await tab.locator('#requirements tbody tr:not(.empty)').count()).toBe(5);
        expect(await tab.locator('#tests tbody tr:not(.empty)').count()).toBe(6);
        expect(await tab.locator('#cards .card').count()).toBeGreaterThan(5);
        expect(await tab.locator('#failures li').count()).toBe(report.gate.failures.length);
        expect(await tab.locator('#problems tbody tr:not(.empty)').count()).toBe(report.problems.length);
      } finally {
        await context.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
  );

  test('collapses long test lists and large tables into <details>', { tags: ['001-FR-067'] }, async () => {
    const report = await sampleReport();
    const many = Array.from({ length: 250 }, (_, i) => ({
      ...report.tests[0]!,
      fullName: `generated ${i}`,
      line: i + 1,
    }));
    const big = { ...report, tests: [...report.tests, ...many] };
    big.requirements = big.requirements.map((r) =>
      r.id === '001-FR-001'
        ? { ...r, tests: [...r.tests, ...many.map((_, i) => report.tests.length + i)] }
        : r,
    );
    const html = renderHtml(big);
    expect(html).toContain('<details><summary>252 tests</summary>');
    expect(html).toMatch(/<details class="table"><summary>256 rows<\/summary><table id="tests">/);
    expect(html).not.toContain('/tmp/'); // paths are relative
  });
});
