// The existing provider: what `down` removes from a cluster incluster does not run.
import { describe, expect, test } from 'vitest';
import { ownerSelector } from '../../../../src/cluster/providers/existing/provider.ts';

describe('existing provider: ownership', { tags: ['001-FR-003'] }, () => {
  test('down selects namespaces by both the managed-by label and the config cluster name', () => {
    expect(ownerSelector('floe-test')).toBe(
      'app.kubernetes.io/managed-by=incluster,incluster.dev/cluster=floe-test',
    );
  });
});
