// `incluster sweep`: delete test namespaces left behind by crashed runs (FR-026).
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { ExitStatus, InfrastructureError } from '../../errors.ts';
import type { KubeClient } from '../../kube/client.ts';
import {
  EXPIRES_AT_ANNOTATION,
  MANAGED_BY_SELECTOR,
  sweepCandidate,
  TEST_NAMESPACE_SELECTOR,
  type SweepCandidate,
} from '../../ownership.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { println } from '../io.ts';

interface SweepOptions {
  config?: string;
  dryRun?: boolean;
  all?: boolean;
  json?: boolean;
  kubeconfig?: string;
  context?: string;
}

/** Builds the `sweep` command. */
export function sweepCommand(ctx: CommandContext): Command {
  return defineCommand<SweepOptions>(ctx, {
    name: 'sweep',
    summary: 'delete expired test namespaces left by crashed runs',
    description: `Deletes namespaces labelled ${MANAGED_BY_SELECTOR} whose expiry annotation (${EXPIRES_AT_ANNOTATION}) has passed, and prints what it deleted. Namespaces incluster did not create are never touched.`,
    examples: ['incluster sweep --dry-run', 'incluster sweep --all'],
    configure: (command) =>
      command
        .option('--dry-run', 'list what would be deleted, delete nothing')
        .option('--all', 'also delete incluster namespaces that have not expired yet')
        .option('--json', 'print the result as JSON on stdout')
        .option('--kubeconfig <file>', 'kubeconfig to use (default: the config, $KUBECONFIG, ~/.kube/config)')
        .option('--context <name>', 'kubeconfig context to use'),
    action: async (options) => {
      const { io } = ctx;
      const { config } = await loadConfig({ cwd: io.cwd, file: options.config });
      const { createKubeClient } = await import('../../kube/client.ts');
      const client = createKubeClient({
        kubeconfig: options.kubeconfig ?? config.cluster.existing.kubeconfig,
        context: options.context ?? config.cluster.existing.context,
        env: io.env,
        retry: { signal: io.signal },
      });
      await client.ping(io.signal);
      const { deleted, kept } = await sweepNamespaces(client, { dryRun: options.dryRun, all: options.all });
      if (options.json) {
        println(io.stdout, JSON.stringify({ dryRun: Boolean(options.dryRun), deleted, kept }, null, 2));
        return ExitStatus.ok;
      }
      const verb = options.dryRun ? 'would delete' : 'deleted';
      for (const ns of deleted)
        println(
          io.stdout,
          `${verb} ${ns.name}\t${ns.expired ? `expired ${ns.expiresAt}` : `expires ${ns.expiresAt}`}`,
        );
      io.stderr.write(
        `${deleted.length} namespace${deleted.length === 1 ? '' : 's'} ${verb}; ${kept.length} not expired kept${kept.length && !options.all ? ' (--all deletes them too)' : ''}\n`,
      );
      return ExitStatus.ok;
    },
  });
}

/** Deletes expired test namespaces (all of them with `all`); with `dryRun` only lists them. */
async function sweepNamespaces(
  client: KubeClient,
  options: { dryRun?: boolean; all?: boolean },
): Promise<{ deleted: SweepCandidate[]; kept: SweepCandidate[] }> {
  const { isNotFound, describeKubeError } = await import('../../kube/api-error.ts');
  const list = await client.core.listNamespace({ labelSelector: TEST_NAMESPACE_SELECTOR });
  const candidates = list.items
    .flatMap((namespace) => sweepCandidate(namespace) ?? [])
    .sort((a, b) => a.name.localeCompare(b.name));
  const chosen = candidates.filter((c) => options.all || c.expired);
  const kept = candidates.filter((c) => !chosen.includes(c));
  if (!options.dryRun)
    for (const candidate of chosen) {
      try {
        await client.core.deleteNamespace({ name: candidate.name, propagationPolicy: 'Background' });
      } catch (error) {
        if (!isNotFound(error))
          throw new InfrastructureError(
            'SweepFailed',
            `deleting namespace ${candidate.name}: ${describeKubeError(error)}`,
            { cause: error },
          );
      }
    }
  return { deleted: chosen, kept };
}
