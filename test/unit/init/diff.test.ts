import { describe, expect, test } from 'vitest';
import { unifiedDiff } from '../../../src/init/diff.ts';

describe('unified diff of a conflicting file', { tags: ['001-FR-042'] }, () => {
  test('equal texts have no diff', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', 'f')).toBe('');
  });

  test('a changed line is shown with its context and hunk header', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n') + '\n';
    const after = before.replace('5\n', 'five\n');
    expect(unifiedDiff(before, after, 'x.txt')).toBe(
      [
        '--- a/x.txt',
        '+++ b/x.txt',
        '@@ -2,7 +2,7 @@',
        ' 2',
        ' 3',
        ' 4',
        '-5',
        '+five',
        ' 6',
        ' 7',
        ' 8',
        '',
      ].join('\n'),
    );
  });

  test('far-apart changes make separate hunks; additions to an empty file start at 0', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n') + '\n';
    const after = before.replace('l2\n', 'L2\n').replace('l19\n', 'L19\n');
    const diff = unifiedDiff(before, after, 'f');
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,5 +1,5 @@');
    expect(diff).toContain('@@ -16,5 +16,5 @@');
    expect(unifiedDiff('', 'a\nb\n', 'new')).toBe('--- a/new\n+++ b/new\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  });
});
