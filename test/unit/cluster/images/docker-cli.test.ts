import { describe, expect, test } from 'vitest';
import {
  dockerBuildArgs,
  dockerImportArgs,
  rootfsTarArgs,
} from '../../../../src/cluster/images/docker-cli.ts';

describe('docker command lines for image builds', { tags: ['001-FR-009'] }, () => {
  test('a root filesystem is archived with numeric owners and without device nodes', () => {
    const args = rootfsTarArgs('/w/rootfs', '/w/rootfs.tar');
    expect(args.slice(0, 5)).toEqual(['--create', '--file', '/w/rootfs.tar', '--directory', '/w/rootfs']);
    expect(args).toEqual(
      expect.arrayContaining(['--numeric-owner', '--exclude=./dev/*', '--exclude=./proc/*']),
    );
    expect(args.at(-1)).toBe('.');
  });

  test('import sets the config and the cache-key label', () => {
    expect(
      dockerImportArgs('/w/r.tar', 'registry.k8s.io/pause:3.10', 'k1', ['ENTRYPOINT ["/pause"]']),
    ).toEqual([
      'import',
      '--change',
      'ENTRYPOINT ["/pause"]',
      '--change',
      'LABEL io.incluster.image-key=k1',
      '/w/r.tar',
      'registry.k8s.io/pause:3.10',
    ]);
  });

  test('builds use the host network (dockerd has no bridge) and carry the key label', () => {
    expect(dockerBuildArgs('/w/ctx', 'docker.io/library/node:24-bookworm-slim', 'k2')).toEqual([
      'build',
      '--network=host',
      '--force-rm',
      '--label',
      'io.incluster.image-key=k2',
      '--tag',
      'docker.io/library/node:24-bookworm-slim',
      '/w/ctx',
    ]);
  });
});
