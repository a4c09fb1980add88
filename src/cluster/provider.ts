// The contract every cluster provider (kind, local, existing) implements. Providers are private
// (src/cluster/providers/*, listed in providers/registry.ts); callers go through this interface and
// src/cluster/lifecycle.ts, which adds what is common to all of them (node Ready, DNS, images,
// services).
import type { Config } from '../config/schema.ts';
import type { Interrupts } from '../interrupt/interrupts.ts';
import type { Status } from '../progress/status.ts';
import type { ProviderName } from '../provider-names.ts';

/** How to reach a running cluster. */
export interface ClusterAccess {
  provider: ProviderName;
  clusterName: string;
  /** Path of a kubeconfig file whose `context` reaches the cluster as an administrator. */
  kubeconfigPath: string;
  context?: string;
}

export interface ProviderContext {
  config: Config;
  /** Directory the config's relative paths resolve against. */
  root: string;
  status: Status;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** The artifacts directory; a failed step's logs go to `<artifactsDir>/<provider>-logs` (failure-logs.ts, FR-006). */
  artifactsDir: string;
  /** Where what the command holds outside the process is noted, for a second interrupt to name it. */
  interrupts?: Interrupts;
  /** The command line that removes this cluster (`incluster down --provider local`), for people. */
  downCommand?: string;
}

/** One provider: creates, reuses and deletes its kind of cluster. */
export interface ClusterProvider {
  readonly name: ProviderName;
  /** Creates the cluster, or reuses it when it already runs; resolves once its API server answers. */
  up(ctx: ProviderContext): Promise<ClusterAccess>;
  /** Deletes what `up` created and nothing else; succeeds when nothing is up. */
  down(ctx: ProviderContext): Promise<void>;
  /** Access to the running cluster, or undefined when it is not running. */
  access(ctx: ProviderContext): Promise<ClusterAccess | undefined>;
  /** Writes the cluster's and its components' logs under `dir`; exportFailureLogs picks `dir` (FR-006). */
  exportLogs(ctx: ProviderContext, dir: string): Promise<void>;
}

/** An optional ability: put locally built images on every node, and verify they are there. */
export interface ImageLoader {
  /** Loads images from the local Docker engine into the cluster's nodes and verifies each (FR-004, FR-011). */
  loadImages(ctx: ProviderContext, images: string[]): Promise<void>;
}

/** True when the provider can load images itself (kind, local); `existing` pushes to a registry. */
export function canLoadImages(provider: ClusterProvider): provider is ClusterProvider & ImageLoader {
  return typeof (provider as Partial<ImageLoader>).loadImages === 'function';
}

/**
 * An optional ability: build on this machine the base images a runner Dockerfile builds FROM, where
 * none can be pulled (local builds `python:3.11-slim-bookworm` and uv's image this way).
 */
export interface BaseImageBuilder {
  /** Makes those of `images` it can build present in the local Docker engine; returns those it built or kept. */
  ensureBaseImages(ctx: ProviderContext, images: readonly string[]): Promise<string[]>;
}

/** True when the provider can build missing runner base images itself. */
export function canBuildBaseImages(
  provider: ClusterProvider,
): provider is ClusterProvider & BaseImageBuilder {
  return typeof (provider as Partial<BaseImageBuilder>).ensureBaseImages === 'function';
}

/**
 * An optional ability: the Docker engine runner images are built in, when it is not the one the
 * caller's DOCKER_HOST names (an offline kind cluster's nodes, and its only engine, are incluster's).
 */
export interface BuildEngine {
  /** The environment the `docker` CLI builds and inspects runner images with. */
  buildEnv(ctx: ProviderContext): NodeJS.ProcessEnv;
}

/** The environment runner images are built with for this provider's cluster. */
export function buildEnvOf(provider: ClusterProvider, ctx: ProviderContext): NodeJS.ProcessEnv {
  const engine = provider as Partial<BuildEngine>;
  return typeof engine.buildEnv === 'function' ? engine.buildEnv(ctx) : ctx.env;
}

/**
 * An optional ability: put on every node the images the services' pods run, where the nodes cannot
 * pull them (an offline kind cluster: PostgreSQL and Redis built on this machine, as the local
 * provider builds them). Images it cannot provide are left to the nodes to pull.
 */
export interface ServiceImageSource {
  /** Makes those of `images` it can provide present on every node; returns them. */
  provideServiceImages(ctx: ProviderContext, images: readonly string[]): Promise<string[]>;
}

/** True when the provider puts service images on its nodes itself. */
export function canProvideServiceImages(
  provider: ClusterProvider,
): provider is ClusterProvider & ServiceImageSource {
  return typeof (provider as Partial<ServiceImageSource>).provideServiceImages === 'function';
}
