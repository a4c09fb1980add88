// The config as the rest of incluster reads it. The schema turns durations into milliseconds; this
// makes every path absolute against the directory the config came from, once, when it loads, so
// no other module resolves a config path again (and none can resolve it against the wrong
// directory). Globs (trace.specs, trace.tests) stay as written: they match relative to the root.
import { isAbsolute, resolve } from 'node:path';
import { configSchema, type Config } from './schema.ts';

/** `config` with its paths absolute against `root`. */
export function resolveConfigPaths(config: Config, root: string): Config {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(root, path));
  const optional = (path: string | undefined) => (path === undefined ? undefined : at(path));
  const { cluster } = config;
  return {
    ...config,
    cluster: {
      ...cluster,
      kind: { ...cluster.kind, config: at(cluster.kind.config) },
      existing: { ...cluster.existing, kubeconfig: optional(cluster.existing.kubeconfig) },
      local: { ...cluster.local, stateDir: optional(cluster.local.stateDir) },
    },
    services: {
      ...config.services,
      manifests: config.services.manifests.map(at),
      charts: config.services.charts.map((chart) => ({
        ...chart,
        chart: at(chart.chart),
        values: chart.values.map(at),
      })),
    },
    runner: {
      ...config.runner,
      dockerfile: at(config.runner.dockerfile),
      context: at(config.runner.context),
    },
    artifacts: { ...config.artifacts, dir: at(config.artifacts.dir) },
  };
}

/** The config `data` describes (defaults for the rest), as if its file were in `root`. */
export function configAt(root: string, data: unknown = {}): Config {
  return resolveConfigPaths(configSchema.parse(data), resolve(root));
}
