// Provider choice: the decision table of --provider, cluster.provider and auto's probes.
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { InfrastructureError, UsageError } from '../../../src/errors.ts';
import type { ClusterProvider } from '../../../src/cluster/provider.ts';
import type { ProviderName } from '../../../src/provider-names.ts';
import { defaultProbes, selectProvider, type SelectionProbes } from '../../../src/cluster/select.ts';
import { useStandin } from '../../fixtures/kind-standin/harness.ts';

/** A provider that only says its name: selection must not call anything else on it. */
function named(name: ProviderName): () => ClusterProvider {
  return () => ({ name }) as ClusterProvider;
}
const factories = { kind: named('kind'), local: named('local'), existing: named('existing') };

function probes(usable: Partial<Record<ProviderName, boolean>>): SelectionProbes & { asked: string[] } {
  const asked: string[] = [];
  const probe = (name: ProviderName) => () => {
    asked.push(name);
    return Promise.resolve({
      ok: usable[name] ?? false,
      why: `${name} ${usable[name] ? 'works' : 'is missing'}`,
    });
  };
  return { asked, kind: probe('kind'), local: probe('local'), existing: probe('existing') };
}

const auto = configSchema.parse({});

describe('provider selection', { tags: ['001-FR-007'] }, () => {
  test.each([
    // flag, config, usable, picked
    ['kind', 'local', {}, 'kind'],
    ['existing', 'auto', {}, 'existing'],
    [undefined, 'local', { kind: true }, 'local'],
    [undefined, 'auto', { kind: true, local: true, existing: true }, 'kind'],
    [undefined, 'auto', { local: true, existing: true }, 'local'],
    [undefined, 'auto', { existing: true }, 'existing'],
    ['auto', 'kind', { existing: true }, 'existing'],
  ] as const)(
    '--provider %s, cluster.provider %s, usable %o → %s',
    async (flag, provider, usable, picked) => {
      const config = configSchema.parse({ cluster: { provider } });
      const selection = await selectProvider(config, { flag, factories, probes: probes(usable) });
      expect(selection.name).toBe(picked);
      expect(selection.provider.name).toBe(picked);
    },
  );

  test('an explicit choice says where it came from and probes nothing', async () => {
    const p = probes({});
    const fromFlag = await selectProvider(auto, { flag: 'kind', factories, probes: p });
    expect(fromFlag.reason).toBe('kind, because --provider kind');
    const fromConfig = await selectProvider(configSchema.parse({ cluster: { provider: 'local' } }), {
      factories,
      probes: p,
    });
    expect(fromConfig.reason).toBe('local, because cluster.provider is local');
    expect(p.asked).toEqual([]);
  });

  test('auto says which it picked and why, trying kind, then local, then existing', async () => {
    const p = probes({ existing: true });
    const selection = await selectProvider(auto, { factories, probes: p });
    expect(selection.reason).toBe('existing, picked by auto: existing works');
    expect(p.asked).toEqual(['kind', 'local', 'existing']);
  });

  test('auto with nothing usable fails with each reason', async () => {
    const error: unknown = await selectProvider(auto, { factories, probes: probes({}) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).reason).toBe('NoUsableProvider');
    expect((error as InfrastructureError).message).toBe('auto found no usable cluster provider');
    expect((error as InfrastructureError).hint).toBe(
      'kind: kind is missing; local: local is missing; existing: existing is missing. Run `incluster doctor` to see what each one needs.',
    );
  });

  test('auto skips a provider this program was built without', async () => {
    const selection = await selectProvider(auto, {
      factories: { kind: factories.kind, existing: factories.existing },
      probes: probes({ local: true, existing: true }),
    });
    expect(selection.name).toBe('existing');
  });

  test('an unknown or unavailable provider is a usage error', async () => {
    await expect(selectProvider(auto, { flag: 'minikube', factories })).rejects.toThrow(
      '--provider must be one of auto, kind, local, existing, got `minikube`',
    );
    await expect(
      selectProvider(auto, { flag: 'local', factories: { kind: factories.kind } }),
    ).rejects.toThrow(UsageError);
  });
});

describe('the real probes', { tags: ['001-FR-007'] }, () => {
  test('kind is usable when the docker engine answers and kind is on PATH', async () => {
    const standin = await useStandin();
    expect(await defaultProbes.kind(auto, standin.env)).toEqual({
      ok: true,
      why: 'the docker engine (28.5.1) answers and kind is on PATH',
    });
  });

  test('kind is not usable without kind, or with a silent docker engine', async () => {
    expect(await defaultProbes.kind(auto, (await useStandin({ tools: ['docker'] })).env)).toEqual({
      ok: false,
      why: 'kind is not on PATH',
    });
    const silent = await useStandin();
    await silent.script([{ tool: 'docker', args: ['info'], exitCode: 1 }]);
    expect(await defaultProbes.kind(auto, silent.env)).toEqual({
      ok: false,
      why: 'the docker engine does not answer',
    });
  });

  test('local needs the cached Kubernetes binaries', async () => {
    const result = await defaultProbes.local(auto, { INCLUSTER_CACHE_DIR: '/nonexistent-incluster-cache' });
    expect(result.ok).toBe(false);
    expect(result.why).toMatch(
      /not running as root|binaries are not cached in \/nonexistent-incluster-cache/,
    );
  });

  test('existing is not usable when no kubeconfig context answers', async () => {
    const result = await defaultProbes.existing(auto, { HOME: '/nonexistent', KUBECONFIG: '' });
    expect(result.ok).toBe(false);
    expect(result.why).toMatch(/^no kubeconfig context answers \(no Kubernetes credentials/);
  });
});
