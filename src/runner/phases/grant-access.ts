// Phases 3 to 5: the run's namespace (restricted Pod Security), the runner's ServiceAccount with
// only the configured rules (in the run's namespace, and in the services' where that exists; cluster
// wide only what runner.clusterRbac asks for, in a ClusterRole of the run's own), and
// copies of the services' Secrets and ConfigMaps the pods read by secretKeyRef and configMapKeyRef. Everything goes through the
// ledger, so whatever happens next, it is released.
//
// Why a copy: the Secret lives in the services' namespace (config.namespace), the Job in a namespace
// of its own (so the restricted standard is enforced without touching the services' namespace, and
// deleting one namespace removes the run). A secretKeyRef reads only its own namespace. A run with
// its own services (isolation: run) finds theirs in its namespace already.
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import { UsageError } from '../../errors.ts';
import { isNotFound } from '../../kube/api-error.ts';
import type { KubeObject } from '../../kube/manifests.ts';
import {
  builtInConfigMaps,
  builtInSecrets,
  userEnvReferences,
  type ObjectReference,
} from '../../services/registry.ts';
import {
  clusterRbacObjects,
  copiedConfigMap,
  copiedSecret,
  rbacObjects,
  runNamespace,
  serviceAccount,
} from '../job.ts';
import type { RunContext } from '../run-context.ts';
import type { ClusterFacts } from './inspect-cluster.ts';

/** What shareSecret copied into the run's namespace, by name. */
export interface SharedObjects {
  secrets: ReadonlySet<string>;
  configMaps: ReadonlySet<string>;
}

/** The names the objects are stamped with: the run's id, namespace, cluster and RBAC rules. */
function specOf(ctx: RunContext) {
  return {
    runId: ctx.runId,
    namespace: ctx.namespace,
    clusterName: ctx.options.config.cluster.name,
    rbac: ctx.options.config.runner.rbac,
    clusterRbac: ctx.options.config.runner.clusterRbac,
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
  // The shared services' namespace, when the tests talk to services there (not their own).
  if (cluster.servicesNamespaceExists && !ctx.ownServices)
    objects.push(...rbacObjects(spec, ctx.options.config.namespace));
  objects.push(...clusterRbacObjects(spec));
  await ctx.options.status.phase('Granting the runner its RBAC rules', () =>
    ctx.ledger.apply(objects, ctx.options.signal),
  );
}

/**
 * Copies into the run's namespace the Secrets and ConfigMaps the runner's variables read: the
 * built-in services' credentials (when they exist) and whatever runner.env and the declared services
 * reference. Resolves with the names of the Secrets and ConfigMaps copied. A required one that is missing is the
 * config's mistake (exit 2), named with the variable that reads it, before any pod could fail on it.
 */
export async function shareSecret(ctx: RunContext, cluster: ClusterFacts): Promise<SharedObjects> {
  const { config, status, signal } = ctx.options;
  const builtIn =
    (kind: ObjectReference['kind']) =>
    (name: string): ObjectReference => ({
      kind,
      name,
      optional: true,
      variable: '',
    });
  const wanted: ObjectReference[] = [
    ...builtInSecrets(config).map(builtIn('Secret')),
    ...builtInConfigMaps(config).map(builtIn('ConfigMap')),
    ...userEnvReferences(config),
  ];
  const unique = new Map(wanted.map((ref) => [`${ref.kind}/${ref.name}`, ref]));
  const names = [...unique.values()].map((ref) => `the ${ref.name} ${ref.kind}`).join(', ');
  return status.phase(`Giving the runner ${names}`, async () => {
    const copies: KubeObject[] = [];
    const shared = { secrets: new Set<string>(), configMaps: new Set<string>() };
    for (const ref of unique.values()) {
      // The run's own services made theirs in the run's namespace: nothing to copy. What they did
      // not make (a token the team keeps in the shared namespace) is copied from there as usual.
      if (ctx.ownServices && (await readSource(ctx, ctx.namespace, ref))) {
        (ref.kind === 'Secret' ? shared.secrets : shared.configMaps).add(ref.name);
        continue;
      }
      const source =
        cluster.servicesNamespaceExists && (!ctx.ownServices || ref.variable)
          ? await readSource(ctx, config.namespace, ref)
          : undefined;
      if (!source) {
        if (ref.optional) {
          if (!ref.variable)
            status.info(
              `  no ${ref.kind} ${ctx.servicesConfig.namespace}/${ref.name}: the tests get no credentials from it`,
            );
          continue;
        }
        const elsewhere = ctx.ownServices
          ? ` (nor did the run's own services make it in ${ctx.namespace})`
          : '';
        throw new UsageError(
          `${ref.variable} reads ${ref.kind} ${config.namespace}/${ref.name}, which does not exist${elsewhere}`,
          { hint: 'create it in the services namespace (or mark the reference `optional: true`)' },
        );
      }
      if (ref.kind === 'Secret') {
        const secret = source as V1Secret;
        copies.push(copiedSecret({ data: secret.data, type: secret.type }, ref.name, specOf(ctx)));
        shared.secrets.add(ref.name);
      } else {
        const map = source as V1ConfigMap;
        copies.push(copiedConfigMap({ data: map.data, binaryData: map.binaryData }, ref.name, specOf(ctx)));
        shared.configMaps.add(ref.name);
      }
    }
    if (copies.length > 0) await ctx.ledger.apply(copies, signal);
    return shared;
  });
}

/** The Secret or ConfigMap in `namespace`, or undefined when there is none. */
async function readSource(
  ctx: RunContext,
  namespace: string,
  ref: ObjectReference,
): Promise<V1Secret | V1ConfigMap | undefined> {
  try {
    return ref.kind === 'Secret'
      ? await ctx.client.core.readNamespacedSecret({ namespace, name: ref.name })
      : await ctx.client.core.readNamespacedConfigMap({ namespace, name: ref.name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
