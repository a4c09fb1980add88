// Where a kind cluster runs: online (the user's Docker engine and kind, the published node image) or
// offline (incluster's own engine and kind, the node image built on this machine: offline.ts). Which
// one a command gets is decided once (mode.ts); provider.ts is plain up/down/access over it.
import type { ProviderContext } from '../../provider.ts';
import { requireKindTools } from './prerequisites.ts';

/** Runs one named step of the provider: on failure, kind's logs are exported and the step named. */
export type KindStep = <T>(phase: string, work: () => Promise<T>) => Promise<T>;

/** What differs between an online and an offline kind cluster. */
export interface KindRuntime {
  readonly offline: boolean;
  /** The environment kind and docker run with (offline: incluster's engine, the cached kind first). */
  readonly env: NodeJS.ProcessEnv;
  /** Makes ready what creating or reusing the cluster needs (tools, engine, node image); returns the node image. */
  prepare(): Promise<string>;
  /** Once the cluster runs: what the runtime adds around it (offline: the network guard for kind's subnets). */
  guard(step: KindStep): Promise<void>;
  /** True when what the cluster runs on is there (online: the tools, or an error naming the missing one). */
  available(): Promise<boolean>;
  /** The images of `images` the runtime builds itself because the nodes cannot pull them (online: none). */
  imagesToBuild(images: readonly string[]): string[];
  /** Builds those images into the engine kind loads from (or loads them from the cache). */
  buildImages(images: readonly string[]): Promise<void>;
  /** Makes `images` readable by `kind load` (offline: copies those only the user's engine holds). */
  stageImages(images: readonly string[], step: KindStep): Promise<void>;
  /** Undoes what `prepare` set up, once the cluster is deleted. */
  teardown(): Promise<void>;
}

/** The online runtime: the user's engine and kind, the configured node image; nodes pull what they lack. */
export function onlineRuntime(ctx: ProviderContext): KindRuntime {
  // Checked once per command, however many steps need the tools.
  let tools: Promise<void> | undefined;
  const requireTools = () => (tools ??= requireKindTools(ctx.env, ctx.signal));
  return {
    offline: false,
    env: ctx.env,
    prepare: async () => {
      await requireTools();
      return ctx.config.cluster.kind.nodeImage;
    },
    guard: () => Promise.resolve(),
    available: async () => {
      await requireTools();
      return true;
    },
    imagesToBuild: () => [],
    buildImages: () => Promise.resolve(),
    stageImages: requireTools,
    teardown: () => Promise.resolve(),
  };
}
