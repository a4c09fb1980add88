import { describe, expect, test } from 'vitest';
import { compileIdFormat } from '../../../src/trace/ids.ts';
import { fingerprintOf, loadRegistry, parseSpec } from '../../../src/trace/registry.ts';
import { UsageError } from '../../../src/errors.ts';
import { makeProject, spec } from './temp-project.ts';

const format = compileIdFormat();

describe('requirement registry', { tags: ['001-FR-033'] }, () => {
  test('reads ID, title, text, file, line and fingerprint of each requirement', () => {
    const text = '# T\n\n- **001-FR-001** First sentence. Second sentence.\n- **001-FR-002** Other.\n';
    const [first, second] = parseSpec(text, 'specs/a/spec.md', format);
    expect(first).toEqual({
      id: '001-FR-001',
      title: 'First sentence.',
      text: 'First sentence. Second sentence.',
      file: 'specs/a/spec.md',
      line: 3,
      fingerprint: fingerprintOf('First sentence. Second sentence.'),
    });
    expect(second).toMatchObject({ id: '001-FR-002', line: 4 });
  });

  test('joins indented continuation lines, and ignores code blocks and other bold items', () => {
    const text = [
      '- **Feature**: not an ID',
      '```',
      '- **001-FR-009** inside a code block',
      '```',
      '- **001-FR-003** Wrapped',
      '  onto two lines.',
      '- **001-FR-004** Next.',
    ].join('\n');
    const found = parseSpec(text, 's.md', format);
    expect(found.map((r) => [r.id, r.text, r.line])).toEqual([
      ['001-FR-003', 'Wrapped onto two lines.', 5],
      ['001-FR-004', 'Next.', 7],
    ]);
  });

  test('the fingerprint ignores reflowing but not a change of wording', () => {
    expect(fingerprintOf('a  b\n c')).toBe(fingerprintOf('a b c'));
    expect(fingerprintOf('a b c')).not.toBe(fingerprintOf('a b d'));
    expect(fingerprintOf('x')).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  test('a duplicate ID is an error naming both locations', async () => {
    const root = await makeProject({
      'specs/a/spec.md': spec({ '001-FR-001': 'One.' }),
      'specs/b/spec.md': spec({ '001-FR-002': 'Two.', '001-FR-001': 'Again.' }),
    });
    const load = () => loadRegistry({ root });
    expect(load).toThrow(UsageError);
    expect(load).toThrow(
      /duplicate requirement ID 001-FR-001: specs\/a\/spec\.md:\d+ and specs\/b\/spec\.md:\d+/,
    );
  });

  test('no spec files is an error naming the globs', async () => {
    const root = await makeProject({ 'README.md': '# nothing' });
    expect(() => loadRegistry({ root })).toThrow(/no spec files match `specs\/\*\*\/spec\.md`/);
  });

  test('reads the real spec of this repository', () => {
    const registry = loadRegistry({ root: process.cwd() });
    expect(registry.byId.get('001-FR-033')?.file).toBe('specs/001-testing-infra/spec.md');
    expect(registry.requirements.length).toBeGreaterThan(40);
  });
});

describe('requirement ID format', { tags: ['001-FR-031'] }, () => {
  test('a malformed ID in a spec is an error naming the file and line', () => {
    expect(() => parseSpec('\n- **01-FR-7** Short ID.\n', 'specs/x/spec.md', format)).toThrow(
      /specs\/x\/spec\.md:2: malformed requirement ID `01-FR-7`/,
    );
  });

  test('tags are IDs, near-misses of the format, or other tags', () => {
    expect(format.classify('001-FR-001')).toBe('id');
    expect(format.classify('001-fr-001')).toBe('malformed');
    expect(format.classify('001_FR_001')).toBe('malformed');
    expect(format.classify('1-FR-1')).toBe('malformed');
    expect(format.classify('slow')).toBe('other');
  });

  test('the pattern is configurable, and an invalid one is a usage error', () => {
    const custom = compileIdFormat('^REQ-\\d+$');
    expect(custom.classify('REQ-12')).toBe('id');
    expect(parseSpec('- **REQ-7** Custom.', 's.md', custom).map((r) => r.id)).toEqual(['REQ-7']);
    expect(() => compileIdFormat('([')).toThrow(/trace.idPattern is not a valid regular expression/);
  });
});
