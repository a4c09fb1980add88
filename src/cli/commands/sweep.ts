// `incluster sweep`: delete test namespaces left behind by crashed runs (FR-026).
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { ExitStatus, InfrastructureError } from '../../errors.ts';
import type { KubeClient } from '../../kube/client.ts';
import {
  EXPIRES_AT_ANNOTATION,
  MANAGED_BY_SELECTOR,
  RUN_ID_LABEL,
  sweepCandidate,
  TEST_NAMESPACE_SELECTOR,
  type SweepCandidate,
} from '../../ownership.ts';
import { defineCommand, type CommandContext } from '../command.ts';
import { withVariable } from '../environment.ts';
import { println } from '../io.ts';

interface SweepOptions {
  config?: string;
  dryRun?: boolean;
  all?: boolean;
  json?: boolean;
  kubeconfig?: string;
  context?: string;
  run?: string;
}

/** Builds the `sweep` command. */
export function sweepCommand(ctx: CommandContext): Command {
  return defineCommand<SweepOptions>(ctx, {
    name: 'sweep',
    summary: 'delete expired test namespaces left by crashed runs',
    description: `Deletes namespaces labelled ${MANAGED_BY_SELECTOR} whose expiry annotation (${EXPIRES_AT_ANNOTATION}) has passed, and prints what it deleted. Namespaces incluster did not create are never touched. With --run, deletes what one \`incluster run\` left behind (stopped at once, or killed): its namespace and the Role and RoleBinding it was granted in the services' namespace, all labelled ${RUN_ID_LABEL}=<id>.`,
    examples: [
      'incluster sweep --dry-run',
      'incluster sweep --all',
      'incluster sweep --run 20261207-183012-a1b2 --kubeconfig /var/lib/incluster/floe-test/admin.kubeconfig',
    ],
    configure: (command) =>
      command
        .option('--dry-run', 'list what would be deleted, delete nothing')
        .option('--all', 'also delete incluster namespaces that have not expired yet')
        .option(
          '--run <id>',
          'delete everything of this `incluster run` (its namespace and RBAC), expired or not',
        )
        .option('--json', 'print the result as JSON on stdout')
        .option(
          '--kubeconfig <file>',
          withVariable('kubeconfig', 'kubeconfig to use (default: the config, $KUBECONFIG, ~/.kube/config)'),
        )
        .option('--context <name>', withVariable('context', 'kubeconfig context to use')),
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
      if (options.run !== undefined) {
        const removed = await sweepRun(client, options.run, { dryRun: options.dryRun });
        if (options.json)
          println(
            io.stdout,
            JSON.stringify({ dryRun: Boolean(options.dryRun), run: options.run, deleted: removed }, null, 2),
          );
        else
          for (const what of removed)
            println(io.stdout, `${options.dryRun ? 'would delete' : 'deleted'} ${what}`);
        io.stderr.write(
          `${removed.length} object${removed.length === 1 ? '' : 's'} of run ${options.run} ${options.dryRun ? 'would be deleted' : 'deleted'}\n`,
        );
        return ExitStatus.ok;
      }
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

/**
 * Deletes what one run left: the namespaces labelled with its id (everything in them goes too) and
 * its Roles and RoleBindings in other namespaces. Returns `Namespace/<name>`, `Role/<ns>/<name>`, ….
 */
async function sweepRun(client: KubeClient, runId: string, options: { dryRun?: boolean }): Promise<string[]> {
  const { isNotFound, describeKubeError } = await import('../../kube/api-error.ts');
  const labelSelector = `${RUN_ID_LABEL}=${runId},${MANAGED_BY_SELECTOR}`;
  const [namespaces, roles, bindings] = await Promise.all([
    client.core.listNamespace({ labelSelector }),
    client.rbac.listRoleForAllNamespaces({ labelSelector }),
    client.rbac.listRoleBindingForAllNamespaces({ labelSelector }),
  ]);
  const names = namespaces.items.map((ns) => ns.metadata?.name ?? '').filter(Boolean);
  const outside = (item: { metadata?: { namespace?: string } }) =>
    !names.includes(item.metadata?.namespace ?? '');
  const targets = [
    ...bindings.items.filter(outside).map((item) => ({ kind: 'RoleBinding', item })),
    ...roles.items.filter(outside).map((item) => ({ kind: 'Role', item })),
  ];
  const removed: string[] = [];
  const attempt = async (what: string, remove: () => Promise<unknown>) => {
    try {
      if (!options.dryRun) await remove();
      removed.push(what);
    } catch (error) {
      if (!isNotFound(error))
        throw new InfrastructureError('SweepFailed', `deleting ${what}: ${describeKubeError(error)}`, {
          cause: error,
        });
    }
  };
  for (const { kind, item } of targets) {
    const name = item.metadata?.name ?? '';
    const namespace = item.metadata?.namespace ?? '';
    await attempt(`${kind}/${namespace}/${name}`, () =>
      kind === 'Role'
        ? client.rbac.deleteNamespacedRole({ name, namespace })
        : client.rbac.deleteNamespacedRoleBinding({ name, namespace }),
    );
  }
  for (const name of names)
    await attempt(`Namespace/${name}`, () =>
      client.core.deleteNamespace({ name, propagationPolicy: 'Background' }),
    );
  return removed;
}
