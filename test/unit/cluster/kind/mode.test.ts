// Which runtime a kind command gets, decided once before anything is created: against the recording
// stand-in kind/docker, so the probes `up` makes (and does not make) are visible. Going offline for
// real, with the real kind, is test/lifecycle/kind-shards.test.ts (auto on a machine that cannot pull).
import { PassThrough } from 'node:stream';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../../src/config/schema.ts';
import type { ProviderContext } from '../../../../src/cluster/provider.ts';
import { runtimeForUp, runtimeInUse } from '../../../../src/cluster/providers/kind/mode.ts';
import { Status } from '../../../../src/progress/status.ts';
import { kindE2e, useStandin } from '../../../fixtures/kind-standin/harness.ts';

const kindConfig = resolve(import.meta.dirname, '../../../../testing/k8s/kind-config.yaml');
const unpullable = 'registry.invalid/kind-node:v0';

async function context(kind: Record<string, unknown>) {
  const standin = await useStandin();
  const progress = new PassThrough();
  let said = '';
  progress.on('data', (chunk: Buffer) => (said += chunk.toString()));
  const ctx: ProviderContext = {
    config: configSchema.parse({ cluster: { name: 'mode-test', kind: { config: kindConfig, ...kind } } }),
    root: standin.dir,
    status: new Status(progress, { interactive: false }),
    env: { ...standin.env, INCLUSTER_KIND_OFFLINE: '' },
    signal: new AbortController().signal,
    artifactsDir: join(standin.dir, 'test-results'),
  };
  return { ctx, standin, said: () => said };
}

describe.skipIf(kindE2e)(
  'kind: online or offline, decided once per command',
  { tags: ['001-FR-155'] },
  () => {
    test('auto: a node image the user’s engine holds keeps the cluster online, with nothing pulled', async () => {
      const { ctx, standin } = await context({});
      const runtime = await runtimeForUp(ctx);
      expect(runtime.offline).toBe(false);
      expect(runtime.env).toBe(ctx.env);
      expect(await standin.calls()).toEqual([
        'docker info --format {{.ServerVersion}}',
        `docker image inspect --format {{.Id}} ${ctx.config.cluster.kind.nodeImage}`,
      ]);
    });

    test('auto: a node image neither held nor pullable goes offline before anything is created', async () => {
      const { ctx, standin, said } = await context({ nodeImage: unpullable });
      const runtime = await runtimeForUp(ctx);
      expect(runtime.offline).toBe(true);
      expect(runtime.env.DOCKER_HOST).toBe('unix:///run/incluster-kind/docker.sock');
      expect(await standin.calls()).toEqual([
        'docker info --format {{.ServerVersion}}',
        `docker image inspect --format {{.Id}} ${unpullable}`,
        'kind get clusters',
        `docker pull ${unpullable}`,
      ]);
      expect(said()).toContain(`the node image ${unpullable} cannot be pulled; using the offline node image`);
    });

    test('auto: a cluster of that name running online is reused, its image not needed', async () => {
      const { ctx, standin } = await context({ nodeImage: unpullable });
      await standin.script([{ tool: 'kind', args: ['get', 'clusters'], stdout: 'mode-test\n' }]);
      expect((await runtimeForUp(ctx)).offline).toBe(false);
      expect((await standin.calls()).filter((call) => call.startsWith('docker pull'))).toEqual([]);
    });

    test('never: online without a probe; always: offline without one', async () => {
      const never = await context({ nodeImage: unpullable, offline: 'never' });
      expect((await runtimeForUp(never.ctx)).offline).toBe(false);
      expect(await never.standin.calls()).toEqual([]);
      const always = await context({ offline: 'always' });
      expect((await runtimeForUp(always.ctx)).offline).toBe(true);
      expect(await always.standin.calls()).toEqual([]);
    });

    test('the other commands read the decision from the config and the offline marker, never probe', async () => {
      const { ctx, standin } = await context({ nodeImage: unpullable });
      expect(runtimeInUse(ctx).offline).toBe(false);
      ctx.env = { ...ctx.env, INCLUSTER_KIND_OFFLINE: 'always' };
      expect(runtimeInUse(ctx).offline).toBe(true);
      ctx.env = { ...ctx.env, INCLUSTER_KIND_OFFLINE: 'sometimes' };
      expect(() => runtimeInUse(ctx)).toThrow(
        /INCLUSTER_KIND_OFFLINE must be auto, always or never, got `sometimes`/,
      );
      expect(await standin.calls()).toEqual([]);
    });
  },
);
