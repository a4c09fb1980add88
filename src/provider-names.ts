// The names of the cluster providers, in the order `auto` tries them, and one line on each. It
// imports nothing but the error classes, so the config schema and every command's help can use it
// without loading any provider; what each provider does is reached through cluster/providers/registry.ts,
// which must have an entry for every name here (a missing one is a type error).
import { UsageError } from './errors.ts';

/** Every provider, in the order `auto` tries them: kind first (cheap, disposable), existing last. */
export const PROVIDER_NAMES = ['kind', 'local', 'existing'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What `--provider` and cluster.provider accept: a provider, or `auto` for the first usable one. */
export const PROVIDER_CHOICES = ['auto', ...PROVIDER_NAMES] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];

/** One line on each choice, for `--help` and the config schema. */
export const PROVIDER_SUMMARIES: Record<ProviderChoice, string> = {
  auto: `the first usable of ${PROVIDER_NAMES.join(', ')}, checked in that order`,
  kind: 'a cluster of Docker containers made by the kind CLI',
  local: 'Kubernetes run from host binaries on this machine (root on Linux)',
  existing: 'the cluster of a kubeconfig context, used as it is',
};

/** `a, b or c`, for help texts. */
export function orList(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** The value of a `--provider` flag as one of `allowed`, or a usage error quoting it. */
export function parseProviderFlag<Name extends ProviderChoice>(
  value: string,
  allowed: readonly Name[],
): Name {
  if ((allowed as readonly string[]).includes(value)) return value as Name;
  throw new UsageError(`--provider must be one of ${allowed.join(', ')}, got \`${value}\``);
}

/** A value for each provider, in registry order; e.g. the default probes of `auto`. */
export function mapProviders<T>(fn: (name: ProviderName) => T): Record<ProviderName, T> {
  return Object.fromEntries(PROVIDER_NAMES.map((name) => [name, fn(name)])) as Record<ProviderName, T>;
}
