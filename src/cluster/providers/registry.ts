// Every cluster provider this program can run, by name: how to build it, how `auto` probes it and
// how `doctor` diagnoses it. Each function imports its provider's code only when called, so listing
// the providers, choosing one or diagnosing one never loads another (nor the Kubernetes client).
// Adding a provider is a folder here (provider, probe, diagnosis), its name and summary in
// src/provider-names.ts, and an entry below; the Record type makes a missing entry a type error.
import type { Config } from '../../config/schema.ts';
import type { ProbeResult, ProviderDiagnosis } from '../prerequisites.ts';
import type { ProviderName } from '../../provider-names.ts';
import type { ClusterProvider } from '../provider.ts';

/** What the program knows of one provider. */
export interface ProviderEntry {
  /** Builds the provider, loading its code. */
  readonly create: () => Promise<ClusterProvider>;
  /** The quick check `auto` runs: usable here or not, and why; never creates anything. */
  readonly probe: (config: Config, env: NodeJS.ProcessEnv) => Promise<ProbeResult>;
  /** What `incluster doctor` reports: each prerequisite, and how to fix a missing one. */
  readonly diagnose: (config: Config, env: NodeJS.ProcessEnv) => Promise<ProviderDiagnosis>;
}

/** The providers, in the order of PROVIDER_NAMES (the order `auto` tries them). */
export const providerRegistry: Record<ProviderName, ProviderEntry> = {
  kind: {
    create: async () => (await import('./kind/provider.ts')).createKindProvider(),
    probe: async (_config, env) => (await import('./kind/prerequisites.ts')).probeKind(env),
    diagnose: async (_config, env) => (await import('./kind/prerequisites.ts')).diagnoseKind(env),
  },
  local: {
    create: async () => (await import('./local/provider.ts')).createLocalProvider(),
    probe: async (_config, env) => (await import('./local/prerequisites.ts')).probeLocal(env),
    diagnose: async (_config, env) => (await import('./local/prerequisites.ts')).diagnoseLocal(env),
  },
  existing: {
    create: async () => (await import('./existing/provider.ts')).createExistingProvider(),
    probe: async (config, env) =>
      (await import('./existing/prerequisites.ts')).probeExisting(config.cluster.existing, env),
    diagnose: async (config) =>
      (await import('./existing/prerequisites.ts')).diagnoseExisting(config.cluster.existing),
  },
};
