// The registry the registry path's tests run (test/support/registry.ts) is a Go program like the
// others: built from the distribution module at the pinned version, its version stamped in, cached
// under a directory keyed by its build inputs.
import { describe, expect, test } from 'vitest';
import { goBuildFlags, goProgramDir } from '../../../../src/cluster/host/go-build.ts';
import { REGISTRY_PROGRAM } from '../../../../src/cluster/host/registry.ts';
import { DISTRIBUTION_VERSION } from '../../../../src/cluster/versions.ts';

describe('the distribution registry as a Go program', { tags: ['001-FR-190'] }, () => {
  test('built with go install from its module at the pinned version, the version stamped in', () => {
    expect(REGISTRY_PROGRAM).toMatchObject({
      version: `v${DISTRIBUTION_VERSION}`,
      source: { kind: 'install' },
    });
    expect(REGISTRY_PROGRAM.binaries).toEqual({
      registry: 'github.com/distribution/distribution/v3/cmd/registry',
    });
    expect(goBuildFlags(REGISTRY_PROGRAM).join(' ')).toContain(
      `distribution/v3/version.version=v${DISTRIBUTION_VERSION}`,
    );
    expect(goProgramDir('/cache', REGISTRY_PROGRAM)).toMatch(
      new RegExp(`^/cache/registry/v${DISTRIBUTION_VERSION}/[0-9a-f]{16}$`),
    );
  });
});
