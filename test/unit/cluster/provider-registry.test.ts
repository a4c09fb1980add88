// The provider registry is the one list of providers: the config enum, `--provider` and its help,
// auto's order and doctor all follow it, and reading it loads no provider's code.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { configJsonSchema } from '../../../src/config/json-schema.ts';
import { configSchema } from '../../../src/config/schema.ts';
import type { ClusterProvider } from '../../../src/cluster/provider.ts';
import {
  mapProviders,
  PROVIDER_CHOICES,
  PROVIDER_NAMES,
  PROVIDER_SUMMARIES,
} from '../../../src/provider-names.ts';
import { providerRegistry } from '../../../src/cluster/providers/registry.ts';
import { allProviderFactories, defaultProbes, selectProvider } from '../../../src/cluster/select.ts';
import { runCliCaptured } from '../../support/cli.ts';

const registered = Object.keys(providerRegistry);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('the provider registry', { tags: ['001-FR-007'] }, () => {
  test('holds every provider name, in the order auto tries them', () => {
    expect(registered).toEqual([...PROVIDER_NAMES]);
    expect(Object.keys(allProviderFactories)).toEqual(registered);
    expect(Object.keys(defaultProbes)).toEqual(registered);
  });

  test('every registered provider is a value of cluster.provider', { tags: ['001-FR-044'] }, () => {
    for (const name of registered)
      expect(configSchema.parse({ cluster: { provider: name } }).cluster.provider).toBe(name);
    const schema = configJsonSchema() as {
      properties: { cluster: { properties: { provider: { enum: string[]; description: string } } } };
    };
    expect(schema.properties.cluster.properties.provider.enum).toEqual(['auto', ...registered]);
    expect(schema.properties.cluster.properties.provider.description).toContain(registered.join(', then '));
  });

  test('auto probes in registry order and builds only the provider it picked', async () => {
    const asked: string[] = [];
    const built: string[] = [];
    const last = PROVIDER_NAMES.at(-1)!;
    const factories = mapProviders((name) => () => {
      built.push(name);
      return { name } as ClusterProvider;
    });
    const probes = mapProviders((name) => () => {
      asked.push(name);
      return Promise.resolve({ ok: name === last, why: `${name} probed` });
    });
    const selection = await selectProvider(configSchema.parse({}), { factories, probes });
    expect(asked).toEqual([...PROVIDER_NAMES]);
    expect(built).toEqual([last]);
    expect(selection.reason).toBe(`${last}, picked by auto: ${last} probed`);
  });

  test('each entry builds a provider of its own name', async () => {
    for (const name of PROVIDER_NAMES) expect((await providerRegistry[name].create()).name).toBe(name);
  });

  test('reading the names, the registry, the config schema or selection loads no provider code', async () => {
    // A child process, so that modules this test file already imported do not count.
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); loaded.push(r.url); return r; } });
      for (const path of ['provider-names.ts', 'cluster/providers/registry.ts', 'config/schema.ts', 'cluster/select.ts', 'cli/provider-option.ts'])
        await import(new URL(path, process.argv[1]).href);
      console.log(JSON.stringify(loaded));`;
    const src = new URL('../../../src/', import.meta.url).href;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, src],
      { timeout: 30_000 },
    );
    const loaded = JSON.parse(stdout) as string[];
    expect(loaded.some((url) => url.endsWith('/cluster/providers/registry.ts'))).toBe(true);
    expect(loaded.filter((url) => /\/providers\/(?!registry\.ts)|@kubernetes/.test(url))).toEqual([]);
  });
});

describe('commands follow the registry', () => {
  test.each(['up', 'down', 'run'])(
    '`%s --help` lists every choice of --provider with what it is',
    { tags: ['001-FR-045', '001-FR-007'] },
    async (command) => {
      const { status, out } = await runCliCaptured([command, '--help'], { cwd: process.cwd() });
      expect(status).toBe(0);
      expect(out.replace(/\s+/g, ' ')).toContain(
        `--provider <name> ${PROVIDER_CHOICES.slice(0, -1).join(', ')} or ${PROVIDER_CHOICES.at(-1)}`,
      );
      for (const name of PROVIDER_CHOICES)
        expect(out).toMatch(new RegExp(`^  ${name} +${escapeRegExp(PROVIDER_SUMMARIES[name])}$`, 'm'));
    },
  );

  test(
    'doctor diagnoses every registered provider, and accepts each as --provider',
    { tags: ['001-FR-043'] },
    async () => {
      const { out } = await runCliCaptured(['doctor', '--json'], { cwd: process.cwd() });
      const report = JSON.parse(out) as { providers: { provider: string }[] };
      expect(report.providers.map((p) => p.provider)).toEqual(registered);
      const { out: help } = await runCliCaptured(['doctor', '--help'], { cwd: process.cwd() });
      for (const name of PROVIDER_NAMES) expect(help).toMatch(new RegExp(`^  ${name} `, 'm'));
      expect(help).not.toMatch(/^ {2}auto /m);
    },
  );

  test(
    'doctor refuses auto and unknown names, listing the registered ones',
    { tags: ['001-FR-043'] },
    async () => {
      for (const value of ['auto', 'minikube']) {
        const { status, err } = await runCliCaptured(['doctor', '--provider', value], { cwd: process.cwd() });
        expect(status).toBe(2);
        expect(err).toContain(`--provider must be one of ${registered.join(', ')}, got \`${value}\``);
      }
    },
  );
});
