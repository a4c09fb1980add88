// Images reach an existing cluster through its registry (src/cluster/images/registry-push.ts): tag
// and push with docker (the recording stand-in docker here).
import { describe, expect, test } from 'vitest';
import { InfrastructureError, UsageError } from '../../../../src/errors.ts';
import {
  pushToRegistry,
  registryReference,
  repositoryOf,
} from '../../../../src/cluster/images/registry-push.ts';
import { kindE2e, useStandin } from '../../../fixtures/kind-standin/harness.ts';

describe('images through a registry (the existing provider)', { tags: ['001-FR-004', '001-FR-007'] }, () => {
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

  test.each([
    ['127.0.0.1:5000/ci/incluster-runner:3f2a', '127.0.0.1:5000/ci/incluster-runner'],
    ['localhost:5000/app:latest', 'localhost:5000/app'],
    ['r.io/app:2', 'r.io/app'],
  ])('the repository of %s is %s', (reference, repository) => {
    expect(repositoryOf(reference)).toBe(repository);
  });

  test.skipIf(kindE2e)(
    'a push the registry refuses is an infrastructure error naming cluster.existing.registry',
    { tags: ['001-FR-191'] },
    async () => {
      const standin = await useStandin({ tools: ['docker'] });
      const refused = 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused';
      await standin.script([{ tool: 'docker', args: ['push'], exitCode: 1, stderr: `${refused}\n` }]);
      const error: unknown = await pushToRegistry('127.0.0.1:1/ci', ['runner:abc'], {
        env: standin.env,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfrastructureError);
      expect(error).toMatchObject({
        reason: 'ImagePushFailed',
        exitStatus: 3,
        message: `pushing 127.0.0.1:1/ci/runner:abc to cluster.existing.registry (127.0.0.1:1/ci) failed: ${refused}`,
      });
      expect((error as InfrastructureError).hint).toContain('a registry answers at 127.0.0.1:1');
    },
  );

  test('no registry configured is a usage error naming the field', async () => {
    await expect(pushToRegistry(undefined, ['runner:abc'])).rejects.toThrow(UsageError);
    await expect(pushToRegistry(undefined, ['runner:abc'])).rejects.toThrow(
      /cluster\.existing\.registry is not set/,
    );
  });
});
