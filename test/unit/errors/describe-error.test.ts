// What a user reads when a command fails: the message, its hint, and the chain of causes, each
// cause on one line however much text a library packed into it.
import { describe, expect, test } from 'vitest';
import { describeError, describeErrorBriefly, firstLine, InfrastructureError } from '../../../src/errors.ts';

describe('describeError', { tags: ['001-FR-045', '001-FR-015'] }, () => {
  test('prints the message, the hint and every cause, one line each', () => {
    const root = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const error = new InfrastructureError('ClusterUnreachable', 'cannot reach the API server', {
      cause: new Error('fetch failed', { cause: root }),
      hint: 'start the cluster',
    });
    expect(describeError(error)).toBe(
      [
        'cannot reach the API server',
        '  hint: start the cluster',
        '  caused by: fetch failed',
        '  caused by: connect ECONNREFUSED 127.0.0.1:6443',
      ].join('\n'),
    );
  });

  test('a cause holding a whole HTTP response shows only its first line', () => {
    const response = new Error(
      'HTTP-Code: 401\nMessage: Unknown API Status Code!\nBody: "Unauthorized"\nHeaders: {"audit-id":"x","content-type":"application/json"}',
    );
    const text = describeError(
      new InfrastructureError('Unauthorized', 'refused our credentials', { cause: response }),
    );
    expect(text).toBe('refused our credentials\n  caused by: HTTP-Code: 401 (…)');
    expect(text).not.toContain('Headers');
  });

  test('a very long single-line cause is cut', () => {
    const text = describeError(new Error('outer', { cause: new Error('x'.repeat(1000)) }));
    expect(text.split('\n')[1]!.length).toBeLessThan(330);
    expect(text).toMatch(/x… \(…\)$/);
  });
});

describe('describeErrorBriefly', { tags: ['001-FR-045', '001-FR-015'] }, () => {
  test('is the first line of the message, without hint or causes', () => {
    const error = new InfrastructureError('Unreachable', 'cannot reach the API server\nat https://x:6443', {
      cause: new Error('fetch failed'),
      hint: 'start the cluster',
    });
    expect(describeErrorBriefly(error)).toBe('cannot reach the API server');
    expect(describeErrorBriefly('plain text\nmore')).toBe('plain text');
    expect(firstLine('one\ntwo')).toBe('one');
    expect(firstLine('')).toBe('');
  });
});
