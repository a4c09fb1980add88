// `incluster up`: bring up (or reuse) the cluster, preload images, deploy the services.
import type { Command } from 'commander';
import { ExitStatus, UsageError } from '../../errors.ts';
import { formatDuration, parseDuration } from '../../duration.ts';
import { clusterCommandContext } from '../cluster-context.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println } from '../io.ts';
import { addProviderOption } from '../provider-option.ts';

interface UpOptions {
  config?: string;
  provider?: string;
  timeout?: string;
  services: boolean;
  merge?: boolean;
  json?: boolean;
}

/** Builds the `up` command. */
export function upCommand(ctx: CommandContext): Command {
  return defineCommand<UpOptions>(ctx, {
    name: 'up',
    summary: 'bring up the test cluster and deploy the services',
    description:
      'Creates the cluster (or reuses it when it already runs), waits until the API answers, every node is Ready and cluster DNS resolves a Service name from a pod, preloads the configured images, then applies the service manifests and waits until every workload is ready. Running it again on a healthy cluster returns in seconds. The admin kubeconfig path is printed on stdout (use `export KUBECONFIG=$(incluster up)`), or merged into your kubeconfig with --merge. On failure the cluster logs are exported to <artifacts.dir>/<provider>-logs/ (e.g. test-results/kind-logs/).',
    examples: [
      'incluster up',
      'sudo incluster up --provider local',
      'export KUBECONFIG=$(incluster up --provider local)',
      'incluster up --provider kind --timeout 10m',
    ],
    configure: (command) =>
      addProviderOption(command)
        .option(
          '--timeout <duration>',
          'how long the services may take to become ready (default: services.timeout)',
        )
        .option('--no-services', 'bring up the cluster only, without applying the service manifests')
        .option(
          '--merge',
          'merge the cluster context into your kubeconfig ($KUBECONFIG or ~/.kube/config) and make it current',
        )
        .option('--json', 'print the result (kubeconfig, context, versions, timings) as JSON'),
    action: async (options, command) => {
      const { io } = ctx;
      // From here on, an interrupt stops up and removes what it started (bringUp does).
      io.interrupts?.cleansUp();
      const cluster = await clusterCommandContext(io, { ...options, command });
      const servicesTimeoutMs =
        options.timeout === undefined
          ? cluster.loaded.config.services.timeout
          : parseDuration(options.timeout);
      if (servicesTimeoutMs === undefined)
        throw new UsageError(`--timeout must be a duration such as 90s or 10m, got \`${options.timeout}\``);
      const { bringUp } = await import('../../cluster/lifecycle.ts');
      const started = performance.now();
      const result = await bringUp(cluster.selection.provider, cluster.providerContext, {
        services: options.services,
        servicesTimeoutMs,
      });
      if (options.merge) {
        const { mergeKubeconfig } = await import('../../cluster/kubeconfig.ts');
        const target = await mergeKubeconfig(result.access, io.env);
        cluster.status.info(
          `merged context ${result.access.context ?? ''} into ${target} and made it current`,
        );
      }
      const total = formatDuration(performance.now() - started);
      if (options.json) {
        println(
          io.stdout,
          JSON.stringify(
            { ...result, provider: cluster.selection.name, timings: cluster.status.timings },
            null,
            2,
          ),
        );
      } else {
        println(io.stdout, result.access.kubeconfigPath);
        cluster.status.info(
          `cluster ${result.access.clusterName} (${cluster.selection.name}, ${result.serverVersion}) is ready in ${total}; use it with:\n  export KUBECONFIG=${result.access.kubeconfigPath}`,
        );
      }
      return ExitStatus.ok;
    },
  });
}
