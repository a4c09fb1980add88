// incluster/api: programmatic use of what the CLI does (up, down, run, trace), for tools that
// drive incluster from code instead of a shell.
export { loadConfig, parseConfig, findConfigFile, type LoadedConfig } from './config/load.ts';
export { configSchema, type Config, type ConfigInput } from './config/schema.ts';
export { bringUp, deployServices, type BringUpOptions, type BringUpResult } from './cluster/lifecycle.ts';
export { allProviderFactories, selectProvider, type Selection } from './cluster/select.ts';
export { PROVIDER_NAMES, type ProviderName } from './provider-names.ts';
export type { ClusterAccess, ClusterProvider, ImageLoader, ProviderContext } from './cluster/provider.ts';
export { runSuite } from './runner/run.ts';
export { traceProject, type ProjectTrace } from './trace/project-trace.ts';
export { Status, type PhaseTiming } from './progress/status.ts';
export { ExitStatus, InclusterError, UsageError, ConfigError, InfrastructureError } from './errors.ts';
