// Images reach an existing cluster through its registry: tag and push with docker (the recording
// stand-in docker here).
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../../src/errors.ts';
import { ownerSelector } from '../../../../src/cluster/providers/existing/provider.ts';
import { pushToRegistry, registryReference } from '../../../../src/cluster/providers/existing/registry.ts';
import { kindE2e, useStandin } from '../../../fixtures/kind-standin/harness.ts';

describe('existing provider: images through a registry', { tags: ['001-FR-004', '001-FR-007'] }, () => {
  test.each([
    ['incluster-runner:3f2a', 'reg.example:5000/ci', 'reg.example:5000/ci/incluster-runner:3f2a'],
    ['ghcr.io/acme/app:1', 'reg.example:5000/', 'reg.example:5000/app:1'],
    ['postgres', 'localhost:5000', 'localhost:5000/postgres:latest'],
    ['localhost:5000/x/app:2@sha256:abc', 'r.io', 'r.io/app:2'],
  ])('%s pushed to %s is %s', (image, registry, target) => {
    expect(registryReference(registry, image)).toBe(target);
  });

  test.skipIf(kindE2e)('each image is tagged into the registry and pushed', async () => {
    const standin = await useStandin({ tools: ['docker'] });
    const pushed = await pushToRegistry('reg.example:5000/ci', ['runner:abc', 'postgres:17'], {
      env: standin.env,
    });
    expect(pushed).toEqual([
      { source: 'runner:abc', target: 'reg.example:5000/ci/runner:abc' },
      { source: 'postgres:17', target: 'reg.example:5000/ci/postgres:17' },
    ]);
    expect(await standin.calls()).toEqual([
      'docker tag runner:abc reg.example:5000/ci/runner:abc',
      'docker push reg.example:5000/ci/runner:abc',
      'docker tag postgres:17 reg.example:5000/ci/postgres:17',
      'docker push reg.example:5000/ci/postgres:17',
    ]);
  });

  test('no registry configured is a usage error naming the field', async () => {
    await expect(pushToRegistry(undefined, ['runner:abc'])).rejects.toThrow(UsageError);
    await expect(pushToRegistry(undefined, ['runner:abc'])).rejects.toThrow(
      /cluster\.existing\.registry is not set/,
    );
  });
});

describe('existing provider: ownership', { tags: ['001-FR-003'] }, () => {
  test('down selects namespaces by both the managed-by label and the config cluster name', () => {
    expect(ownerSelector('floe-test')).toBe(
      'app.kubernetes.io/managed-by=incluster,incluster.dev/cluster=floe-test',
    );
  });
});
