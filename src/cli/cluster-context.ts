// What `up`, `down` and `run` share: the config, the chosen provider (and why), and the context a
// provider works in.
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { ProviderContext } from '../cluster/provider.ts';
import { Status } from '../progress/status.ts';
import { optionOrigin } from './environment.ts';
import type { CliIo } from './io.ts';
import type { Selection } from '../cluster/select.ts';
import { commandLine } from '../process/exec.ts';

export interface ClusterCommandContext {
  loaded: LoadedConfig;
  selection: Selection;
  providerContext: ProviderContext;
  status: Status;
}

/**
 * Loads the config, picks the provider (saying which and why) and builds its context. `check` sees
 * the config first: a command's usage errors come before any provider work.
 */
export async function clusterCommandContext(
  io: CliIo,
  options: { config?: string; provider?: string; command?: Command },
  check?: (loaded: LoadedConfig) => void,
): Promise<ClusterCommandContext> {
  const loaded = await loadConfig({ cwd: io.cwd, file: options.config });
  check?.(loaded);
  const status = new Status(io.stderr);
  // Loaded here, not at startup; selection loads only the chosen provider's (heavy) code.
  const { selectProvider } = await import('../cluster/select.ts');
  // The reason names INCLUSTER_PROVIDER when the choice came from it, not the flag.
  const origin = options.command ? optionOrigin(options.command, 'provider') : '--provider';
  const selection = await selectProvider(loaded.config, {
    flag: options.provider,
    flagSource: origin === '--provider' ? undefined : `${origin}=${options.provider}`,
    env: io.env,
  });
  status.info(`provider: ${selection.reason}`);
  const providerContext: ProviderContext = {
    config: loaded.config,
    root: loaded.root,
    status,
    env: io.env,
    signal: io.signal,
    artifactsDir: loaded.config.artifacts.dir,
    interrupts: io.interrupts,
    downCommand: commandLine(['incluster', 'down', '--provider', selection.name, ...configOption(options)]),
  };
  return { loaded, selection, providerContext, status };
}

/** `--config FILE` when the command was given one, so a printed command finds the same cluster. */
export function configOption(options: { config?: string }): string[] {
  return options.config ? ['--config', options.config] : [];
}
