// services.isolation: whose services a run talks to. `cluster`: the one set `up` deployed into the
// configured namespace, shared by every run on the cluster. `run`: the run's own instances, deployed
// into the run's namespace (fresh credentials, gone with it), so concurrent runs never see each
// other's data or queries. Both cases are one config whose `namespace` says where the services are:
// the runner and the fixtures read the services through it, and never ask which case they are in.
import type { Config } from '../config/schema.ts';
import { UsageError } from '../errors.ts';

/** The config as a run with its own services sees it: the services live in the run's namespace. */
export function runServicesConfig(config: Config, runNamespace: string): Config {
  const pinned = config.services.charts.findIndex((chart) => chart.namespace !== undefined);
  if (pinned >= 0)
    throw new UsageError(
      `services.charts[${pinned}].namespace (${config.services.charts[pinned]!.namespace}) cannot be used with services.isolation: run: each run installs its charts into its own namespace`,
      { hint: 'remove the namespace of the chart, or set services.isolation: cluster' },
    );
  return { ...config, namespace: runNamespace };
}

/**
 * The config as the fixtures see it: inside a runner pod, INCLUSTER_NAMESPACE (set by `incluster
 * run`) names where the run's services are, which with `isolation: run` is the run's namespace.
 */
export function fixtureServicesConfig(config: Config, env: NodeJS.ProcessEnv = process.env): Config {
  const namespace = env.INCLUSTER_NAMESPACE;
  return namespace && namespace !== config.namespace ? { ...config, namespace } : config;
}
