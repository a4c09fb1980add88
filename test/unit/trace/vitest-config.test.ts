import { describe, expect, test } from 'vitest';
import type { ViteUserConfig } from 'vitest/config';
import { createVitest } from 'vitest/node';
import { withRequirements } from '../../../src/trace/vitest-config.ts';
import { RequirementsReporter } from '../../../src/trace/reporter.ts';
import { makeProject, spec } from './temp-project.ts';

const SPEC = spec({ '001-FR-001': 'First. More words.', '001-FR-002': 'Second.' });

describe('withRequirements', { tags: ['001-FR-030', '001-FR-031'] }, () => {
  test('declares every requirement as a tag, keeps other tags, turns on strictTags', async () => {
    const root = await makeProject({ 'specs/a/spec.md': SPEC });
    const config = withRequirements<ViteUserConfig>(
      { test: { tags: [{ name: 'slow' }, { name: '001-FR-001', description: 'stale' }] } },
      { root, reporter: false },
    );
    expect(config.test?.tags).toEqual([
      { name: 'slow' },
      { name: '001-FR-001', description: 'First.' },
      { name: '001-FR-002', description: 'Second.' },
    ]);
    expect(config.test?.strictTags).toBe(true);
    expect(config.test?.includeTaskLocation).toBe(true);
    expect(config.test?.reporters).toBeUndefined();
  });

  test('adds the RequirementsReporter after the existing reporters', async () => {
    const root = await makeProject({ 'specs/a/spec.md': SPEC });
    const reporters = withRequirements({ test: { reporters: ['dot'] } }, { root }).test
      ?.reporters as unknown[];
    expect(reporters[0]).toBe('dot');
    expect(reporters[1]).toBeInstanceOf(RequirementsReporter);
    const defaults = withRequirements<ViteUserConfig>({}, { root }).test?.reporters as unknown[];
    expect(defaults[0]).toBe('default');
  });

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
