import { describe, expect, test } from 'vitest';
import { exitCodeOf } from '../../../src/kube/exec.ts';

describe('exec exit status', { tags: ['001-FR-014'] }, () => {
  test('is read from the V1Status the exec channel sends', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    expect(
      exitCodeOf({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '3' }] },
      }),
    ).toBe(3);
  });

  test('a missing status or another failure is an infrastructure error', () => {
    expect(() => exitCodeOf(undefined, 'exec `tar`')).toThrow(
      'exec `tar`: the connection closed before the command reported its exit status',
    );
    expect(() =>
      exitCodeOf(
        { status: 'Failure', reason: 'InternalError', message: 'container not found ("app")' },
        'exec',
      ),
    ).toThrow('exec: container not found ("app")');
  });
});
