import { describe, expect, test } from 'vitest';
import type { ViteUserConfig } from 'vitest/config';
import { createVitest } from 'vitest/node';
import { REDACTION_SETUP_FILE, withRequirements } from '../../../src/trace/vitest-config.ts';
import { RedactingReporter } from '../../../src/redaction/reporter.ts';
import { RequirementsReporter } from '../../../src/trace/reporter.ts';
import { makeProject, spec } from './temp-project.ts';

const SPEC = spec({ '001-FR-001': 'First. More words.', '001-FR-002': 'Second.' });

describe('withRequirements', { tags: ['001-FR-030', '001-FR-031'] }, () => {
  test('declares every requirement as a tag, keeps other tags, turns on strictTags', async () => {
    const root = await makeProject({ 'specs/a/spec.md': SPEC });
    const config = withRequirements<ViteUserConfig>(
      { test: { tags: [{ name: 'slow' }, { name: '001-FR-001', description: 'stale' }] } },
      { root, reporter: false, redaction: false },
    );
    expect(config.test?.tags).toEqual([
      { name: 'slow' },
      { name: '001-FR-001', description: 'First.' },
      { name: '001-FR-002', description: 'Second.' },
    ]);
    expect(config.test?.strictTags).toBe(true);
    expect(config.test?.includeTaskLocation).toBe(true);
    expect(config.test?.reporters).toBeUndefined();
    expect(config.test?.setupFiles).toBeUndefined();
    expect(config.plugins).toBeUndefined();
  });

  test('adds the RequirementsReporter after the existing reporters', async () => {
    const root = await makeProject({ 'specs/a/spec.md': SPEC });
    const reporters = withRequirements({ test: { reporters: ['dot'] } }, { root, redaction: false }).test
      ?.reporters as unknown[];
    expect(reporters[0]).toBe('dot');
    expect(reporters[1]).toBeInstanceOf(RequirementsReporter);
    const defaults = withRequirements<ViteUserConfig>({}, { root, redaction: false }).test
      ?.reporters as unknown[];
    expect(defaults[0]).toBe('default');
  });

  test(
    'puts the RedactingReporter first and its relay setup file before the others',
    { tags: ['001-FR-051'] },
    async () => {
      const root = await makeProject({ 'specs/a/spec.md': SPEC });
      const config = withRequirements<ViteUserConfig>(
        { test: { reporters: ['dot'], setupFiles: 'mine.ts' } },
        { root },
      );
      const reporters = config.test?.reporters as unknown[];
      expect(reporters[0]).toBeInstanceOf(RedactingReporter);
      expect(reporters.slice(1, 2)).toEqual(['dot']);
      expect(reporters[2]).toBeInstanceOf(RequirementsReporter);
      expect(config.test?.setupFiles).toEqual([REDACTION_SETUP_FILE, 'mine.ts']);
      expect(REDACTION_SETUP_FILE).toMatch(/redaction\/worker-setup\.ts$/);
    },
  );

  test(
    'the RedactingReporter stays first when the command line replaced the reporters',
    { tags: ['001-FR-051'], timeout: 60_000 },
    async () => {
      const root = await makeProject({ 'specs/a/spec.md': SPEC, 'a.test.ts': "test('a', () => {});\n" });
      const config = withRequirements<ViteUserConfig>(
        { test: { root, globals: true, include: ['*.test.ts'], watch: false, reporters: ['dot'] } },
        { root, reporter: false },
      );
      // What `vitest --reporter=json` does: the CLI list wins over the configured one.
      const vitest = await createVitest(
        'test',
        { ...config.test, config: false, reporters: ['json'] },
        {
          plugins: config.plugins,
        },
      );
      try {
        const reporters = vitest.config.reporters as unknown[];
        expect(reporters[0]).toBeInstanceOf(RedactingReporter);
        expect(reporters.slice(1)).toEqual([['json', {}]]);
      } finally {
        await vitest.close();
      }
    },
  );

  test(
    'reads the PostgreSQL Secret named by incluster.config.yaml at start',
    { tags: ['001-FR-051'] },
    async () => {
      const root = await makeProject({
        'specs/a/spec.md': SPEC,
        'incluster.config.yaml': 'namespace: services\npostgres:\n  secret: db-creds\n',
      });
      const reporter = (withRequirements<ViteUserConfig>({}, { root }).test?.reporters as unknown[])[0];
      expect(reporter).toBeInstanceOf(RedactingReporter);
      expect((reporter as RedactingReporter).secrets).toEqual([{ namespace: 'services', name: 'db-creds' }]);
    },
  );

  test('reads trace.specs and trace.idPattern from incluster.config.yaml', async () => {
    const root = await makeProject({
      'incluster.config.yaml': "trace:\n  specs: ['reqs/*.md']\n  idPattern: '^REQ-\\d+$'\n",
      'reqs/a.md': '- **REQ-1** Custom format.\n',
    });
    const config = withRequirements<ViteUserConfig>({}, { root, reporter: false });
    expect(config.test?.tags).toEqual([{ name: 'REQ-1', description: 'Custom format.' }]);
  });

  test('an unknown ID in a test then fails Vitest collection', { timeout: 60_000 }, async () => {
    const root = await makeProject({
      'specs/a/spec.md': SPEC,
      'a.test.ts': "test('typo', { tags: ['001-FR-003'] }, () => {});\n",
    });
    const config = withRequirements<ViteUserConfig>(
      { test: { root, globals: true, include: ['*.test.ts'], watch: false, reporters: [] } },
      { root, reporter: false },
    );
    const exitCode = process.exitCode;
    const vitest = await createVitest('test', { ...config.test, config: false });
    try {
      const result = await vitest.collect(undefined, { staticParse: false });
      const errors = result.testModules.flatMap((m) => m.errors().map((e) => e.message));
      expect(errors.join('\n')).toMatch(/001-FR-003.*is not defined in the configuration/);
    } finally {
      await vitest.close();
      process.exitCode = exitCode;
    }
  });
});
