// Phases 3 to 5: the run's namespace (restricted Pod Security), the runner's ServiceAccount with
// only the configured rules (in the run's namespace, and in the services' where that exists), and
// a copy of the services' database Secret for the pods' secretKeyRef. Everything goes through the
// ledger, so whatever happens next, it is released.
//
// Why a copy: the Secret lives in the services' namespace (config.namespace), the Job in a namespace
// of its own (so the restricted standard is enforced without touching the services' namespace, and
// deleting one namespace removes the run). A secretKeyRef reads only its own namespace.
import { isNotFound } from '../../kube/api-error.ts';
import { copiedSecret, rbacObjects, runNamespace, serviceAccount } from '../job.ts';
import type { RunContext } from '../run-context.ts';
import type { ClusterFacts } from './inspect-cluster.ts';

/** The names the objects are stamped with: the run's id, namespace, cluster and RBAC rules. */
function specOf(ctx: RunContext) {
  return {
    runId: ctx.runId,
    namespace: ctx.namespace,
    clusterName: ctx.options.config.cluster.name,
    rbac: ctx.options.config.runner.rbac,
  };
}

/** Creates the run's namespace. */
export async function createNamespace(ctx: RunContext): Promise<void> {
  await ctx.options.status.phase(`Creating namespace ${ctx.namespace} (restricted Pod Security)`, () =>
    ctx.ledger.apply([runNamespace(specOf(ctx))], ctx.options.signal),
  );
}

/** Creates the runner's ServiceAccount, Role and RoleBinding. */
export async function grantRbac(ctx: RunContext, cluster: ClusterFacts): Promise<void> {
  const spec = specOf(ctx);
  const objects = [serviceAccount(spec), ...rbacObjects(spec, ctx.namespace)];
  if (cluster.servicesNamespaceExists) objects.push(...rbacObjects(spec, ctx.options.config.namespace));
  await ctx.options.status.phase('Granting the runner its RBAC rules', () =>
    ctx.ledger.apply(objects, ctx.options.signal),
  );
}

/** Copies the database Secret into the run's namespace; resolves with its name, or undefined without one. */
export async function shareSecret(ctx: RunContext, cluster: ClusterFacts): Promise<string | undefined> {
  const { config, status, signal } = ctx.options;
  const name = config.postgres.secret;
  return status.phase(`Giving the runner the ${name} Secret`, async () => {
    let source;
    try {
      source = cluster.servicesNamespaceExists
        ? await ctx.client.core.readNamespacedSecret({ namespace: config.namespace, name })
        : undefined;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (!source) {
      status.info(
        `  no Secret ${config.namespace}/${name}: the tests get no POSTGRES_USER/POSTGRES_PASSWORD`,
      );
      return undefined;
    }
    await ctx.ledger.apply(
      [copiedSecret({ data: source.data, type: source.type }, name, specOf(ctx))],
      signal,
    );
    return name;
  });
}
