import { describe, expect, test } from 'vitest';
import {
  EXPIRES_AT_ANNOTATION,
  labelSelector,
  labelValue,
  MANAGED_BY_LABEL,
  MANAGED_BY_SELECTOR,
  managedByLabels,
  newRunId,
  RUN_ID_LABEL,
  sweepCandidate,
} from '../../src/ownership.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('what marks an object as incluster’s', { tags: ['001-FR-020'] }, () => {
  test('managedByLabels adds the managed-by label, which wins over a clashing one', () => {
    expect(managedByLabels()).toEqual({ 'app.kubernetes.io/managed-by': 'incluster' });
    expect(managedByLabels({ a: 'b', [MANAGED_BY_LABEL]: 'someone-else' })).toEqual({
      a: 'b',
      'app.kubernetes.io/managed-by': 'incluster',
    });
    expect(MANAGED_BY_SELECTOR).toBe('app.kubernetes.io/managed-by=incluster');
    expect(labelSelector({ a: 'b', c: 'd' })).toBe('a=b,c=d');
  });

  test('labelValue makes any text a valid label value', () => {
    expect(labelValue('abc_123')).toBe('abc_123');
    expect(labelValue('-run id/7-')).toBe('run-id-7');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
    expect(labelValue('///')).toBe('x');
  });
});

describe('run ids', { tags: ['001-FR-014', '001-FR-018'] }, () => {
  test('are the UTC start time and 4 random hex digits, usable in labels and namespace names', () => {
    const id = newRunId(new Date('2026-11-24T15:03:12.345Z'));
    expect(id).toMatch(/^20261124-150312-[0-9a-f]{4}$/);
    expect(labelValue(id)).toBe(id);
    const namespace = `incluster-run-${id}`;
    expect(namespace).toMatch(DNS_LABEL);
    expect(namespace.length).toBeLessThanOrEqual(63);
    expect(newRunId()).not.toBe(newRunId());
  });
});

describe('sweep candidates', { tags: ['001-FR-026'] }, () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  const namespace = (
    labels: Record<string, string>,
    annotations: Record<string, string>,
    phase = 'Active',
  ) => ({
    metadata: { name: 'orders-abcdef', labels, annotations },
    status: { phase },
  });
  const ours = { [MANAGED_BY_LABEL]: 'incluster', [RUN_ID_LABEL]: 'r1' };

  test('are namespaces labelled as ours with an expiry, expired once it has passed', () => {
    expect(sweepCandidate(namespace(ours, { [EXPIRES_AT_ANNOTATION]: '2026-11-24T11:00:00Z' }), now)).toEqual(
      {
        name: 'orders-abcdef',
        expiresAt: '2026-11-24T11:00:00Z',
        expired: true,
        runId: 'r1',
      },
    );
    expect(
      sweepCandidate(namespace(ours, { [EXPIRES_AT_ANNOTATION]: '2026-11-24T13:00:00Z' }), now)?.expired,
    ).toBe(false);
    expect(sweepCandidate(namespace(ours, { [EXPIRES_AT_ANNOTATION]: 'soon' }), now)?.expired).toBe(false);
  });

  test('never include unlabelled, expiry-less or already terminating namespaces', () => {
    const expiry = { [EXPIRES_AT_ANNOTATION]: '2000-01-01T00:00:00Z' };
    expect(sweepCandidate(namespace({}, expiry), now)).toBeUndefined();
    expect(sweepCandidate(namespace({ [MANAGED_BY_LABEL]: 'someone-else' }, expiry), now)).toBeUndefined();
    expect(sweepCandidate(namespace(ours, {}), now)).toBeUndefined();
    expect(sweepCandidate(namespace(ours, expiry, 'Terminating'), now)).toBeUndefined();
  });
});
