// Which provider a command uses: `--provider` beats the config's cluster.provider; `auto` probes the
// providers in registry order (kind, then local, then the current kubeconfig context) and says which
// it picked and why (FR-007). Probes and factories come from providers/registry.ts; tests inject their own.
import type { Config } from '../config/schema.ts';
import { InfrastructureError, UsageError } from '../errors.ts';
import type { ProbeResult } from './prerequisites.ts';
import {
  mapProviders,
  parseProviderFlag,
  PROVIDER_CHOICES,
  PROVIDER_NAMES,
  type ProviderName,
} from '../provider-names.ts';
import type { ClusterProvider } from './provider.ts';
import { providerRegistry } from './providers/registry.ts';

/** Makes a provider on demand, so choosing one never starts (or loads) another's machinery. */
export type ProviderFactory = () => ClusterProvider | Promise<ClusterProvider>;

/** The providers a caller offers; one left out is "not available in this program". */
export type ProviderFactories = Partial<Record<ProviderName, ProviderFactory>>;

/** Every registered provider, each loaded only when it is chosen. */
export const allProviderFactories: Record<ProviderName, ProviderFactory> = mapProviders(
  (name) => providerRegistry[name].create,
);

/** How `auto` finds out what works, one probe per provider. */
export type SelectionProbes = Record<
  ProviderName,
  (config: Config, env: NodeJS.ProcessEnv) => Promise<ProbeResult>
>;

/** The real probes, from the registry: quick checks that never create anything. */
export const defaultProbes: SelectionProbes = mapProviders((name) => providerRegistry[name].probe);

/** The chosen provider and the sentence that explains the choice. */
export interface Selection {
  provider: ClusterProvider;
  name: ProviderName;
  reason: string;
}

/** Picks the provider for `config`, honouring `flag` (the --provider value) first. */
export async function selectProvider(
  config: Config,
  options: {
    flag?: string;
    /** How the choice was made, for the reason: `--provider kind` (default) or `INCLUSTER_PROVIDER=kind`. */
    flagSource?: string;
    env?: NodeJS.ProcessEnv;
    factories?: ProviderFactories;
    probes?: SelectionProbes;
  } = {},
): Promise<Selection> {
  const env = options.env ?? process.env;
  const factories = options.factories ?? allProviderFactories;
  const wanted =
    options.flag !== undefined ? parseProviderFlag(options.flag, PROVIDER_CHOICES) : config.cluster.provider;
  const source =
    options.flag !== undefined
      ? (options.flagSource ?? `--provider ${wanted}`)
      : `cluster.provider is ${wanted}`;

  if (wanted !== 'auto') {
    const factory = factories[wanted];
    if (!factory)
      throw new UsageError(`provider \`${wanted}\` (${source}) is not available in this program`, {
        hint: `available: ${Object.keys(factories).join(', ')}`,
      });
    return { provider: await factory(), name: wanted, reason: `${wanted}, because ${source}` };
  }

  const probes = options.probes ?? defaultProbes;
  const rejected: string[] = [];
  for (const name of PROVIDER_NAMES) {
    const factory = factories[name];
    if (!factory) {
      rejected.push(`${name}: not available in this program`);
      continue;
    }
    const result = await probes[name](config, env);
    if (result.ok)
      return { provider: await factory(), name, reason: `${name}, picked by auto: ${result.why}` };
    rejected.push(`${name}: ${result.why}`);
  }
  throw new InfrastructureError('NoUsableProvider', 'auto found no usable cluster provider', {
    hint: `${rejected.join('; ')}. Run \`incluster doctor\` to see what each one needs.`,
  });
}
