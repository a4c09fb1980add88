// Which provider a command uses: `--provider` beats the config's cluster.provider; `auto` tries kind
// (a Docker engine that answers and the kind CLI), then local (root with the cached Kubernetes
// binaries), then the current kubeconfig context, and says which it picked and why (FR-007).
import { access, constants } from 'node:fs/promises';
import type { Config } from '../config/schema.ts';
import { InfrastructureError, UsageError } from '../errors.ts';
import { createKubeClient } from '../kube/client.ts';
import { isOnPath, runCommand } from '../process/exec.ts';
import { cacheRoot } from './cache.ts';
import type { ProviderName } from './prerequisites.ts';
import type { ClusterProvider } from './provider.ts';
import { createExistingProvider } from './providers/existing/provider.ts';
import { createKindProvider } from './providers/kind/provider.ts';
import { KUBERNETES_BINARIES, KUBERNETES_VERSION, kubernetesBinDir } from './providers/local/versions.ts';

/** Makes a provider on demand, so choosing one never starts another's machinery. */
export type ProviderFactory = () => ClusterProvider;

/** The providers a build knows; `local` is plugged in by whoever imports its (root-only) code. */
export type ProviderFactories = Partial<Record<ProviderName, ProviderFactory>>;

/** Factories for the providers defined in plain user space: kind and existing. */
export const builtinFactories: ProviderFactories = {
  kind: () => createKindProvider(),
  existing: () => createExistingProvider(),
};

/** A probe's verdict: usable or not, and why, in words for the user. */
export interface ProbeResult {
  ok: boolean;
  why: string;
}

/** How `auto` finds out what works; tests inject their own. */
export interface SelectionProbes {
  kind(env: NodeJS.ProcessEnv): Promise<ProbeResult>;
  local(env: NodeJS.ProcessEnv): Promise<ProbeResult>;
  existing(config: Config, env: NodeJS.ProcessEnv): Promise<ProbeResult>;
}

/** The chosen provider and the sentence that explains the choice. */
export interface Selection {
  provider: ClusterProvider;
  name: ProviderName;
  reason: string;
}

const NAMES = ['auto', 'kind', 'local', 'existing'] as const;
const AUTO_ORDER: ProviderName[] = ['kind', 'local', 'existing'];

/** Picks the provider for `config`, honouring `flag` (the --provider value) first. */
export async function selectProvider(
  config: Config,
  options: {
    flag?: string;
    env?: NodeJS.ProcessEnv;
    factories?: ProviderFactories;
    probes?: SelectionProbes;
  } = {},
): Promise<Selection> {
  const env = options.env ?? process.env;
  const factories = options.factories ?? builtinFactories;
  if (options.flag !== undefined && !(NAMES as readonly string[]).includes(options.flag))
    throw new UsageError(`--provider must be one of ${NAMES.join(', ')}, got \`${options.flag}\``);
  const wanted = (options.flag ?? config.cluster.provider) as (typeof NAMES)[number];
  const source = options.flag !== undefined ? `--provider ${wanted}` : `cluster.provider is ${wanted}`;

  if (wanted !== 'auto') {
    const factory = factories[wanted];
    if (!factory)
      throw new UsageError(`provider \`${wanted}\` (${source}) is not available in this program`, {
        hint: `available: ${Object.keys(factories).join(', ')}`,
      });
    return { provider: factory(), name: wanted, reason: `${wanted}, because ${source}` };
  }

  const probes = options.probes ?? defaultProbes;
  const rejected: string[] = [];
  for (const name of AUTO_ORDER) {
    const factory = factories[name];
    if (!factory) {
      rejected.push(`${name}: not available in this program`);
      continue;
    }
    const result = name === 'existing' ? await probes.existing(config, env) : await probes[name](env);
    if (result.ok) return { provider: factory(), name, reason: `${name}, picked by auto: ${result.why}` };
    rejected.push(`${name}: ${result.why}`);
  }
  throw new InfrastructureError('NoUsableProvider', 'auto found no usable cluster provider', {
    hint: `${rejected.join('; ')}. Run \`incluster doctor\` to see what each one needs.`,
  });
}

/** The real probes: quick checks that never create anything. */
export const defaultProbes: SelectionProbes = {
  async kind(env) {
    if (!(await isOnPath('docker', env))) return { ok: false, why: 'docker is not on PATH' };
    const info = await runCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
      env,
      timeoutMs: 10_000,
      allowFailure: true,
    }).catch(() => undefined);
    if (!info || info.exitCode !== 0) return { ok: false, why: 'the docker engine does not answer' };
    if (!(await isOnPath('kind', env))) return { ok: false, why: 'kind is not on PATH' };
    return { ok: true, why: `the docker engine (${info.stdout.trim()}) answers and kind is on PATH` };
  },

  async local(env) {
    if (process.platform !== 'linux') return { ok: false, why: `not Linux (${process.platform})` };
    if (process.getuid?.() !== 0) return { ok: false, why: 'not running as root' };
    const dir = kubernetesBinDir(cacheRoot(env));
    try {
      await Promise.all(KUBERNETES_BINARIES.map((name) => access(`${dir}/${name}`, constants.X_OK)));
    } catch {
      return { ok: false, why: `the Kubernetes v${KUBERNETES_VERSION} binaries are not cached in ${dir}` };
    }
    return { ok: true, why: `running as root with Kubernetes v${KUBERNETES_VERSION} cached in ${dir}` };
  },

  async existing(config, env) {
    try {
      const client = createKubeClient({
        kubeconfig: config.cluster.existing.kubeconfig,
        context: config.cluster.existing.context,
        env,
        retry: { attempts: 1 },
      });
      const version = await client.ping(AbortSignal.timeout(5000));
      const context = client.source.kind === 'kubeconfig' ? client.source.context : 'in-cluster';
      return {
        ok: true,
        why: `kubeconfig context \`${context}\` answers (${client.server}, ${version.gitVersion})`,
      };
    } catch (error) {
      return { ok: false, why: `no kubeconfig context answers (${(error as Error).message.split('\n')[0]})` };
    }
  },
};
