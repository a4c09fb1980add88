// Every provider this program can run: the user-space ones and the root-only local one.
import { createLocalProvider } from './providers/local/provider.ts';
import { builtinFactories, type ProviderFactories } from './select.ts';

/** Factories for kind, existing and local. */
export const allProviderFactories: ProviderFactories = {
  ...builtinFactories,
  local: () => createLocalProvider(),
};
