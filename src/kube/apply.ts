// Server-side apply of any kind (FR-027): one PATCH per object with `application/apply-patch+yaml`,
// our field manager and force, the namespace injected into namespaced objects that have none.
import { HttpMethod, PatchStrategy } from '@kubernetes/client-node';
import { InfrastructureError, UsageError } from '../errors.ts';
import { describeKubeError, isNotFound, statusOf } from './api-error.ts';
import type { KubeClient } from './client.ts';
import { objectPath, resolveResource } from './discovery.ts';
import { findPullRisks, type KubeObject, type ManifestObject, type PullWarning } from './manifests.ts';

/** The field manager incluster applies with, so its fields are told apart from other writers'. */
const FIELD_MANAGER = 'incluster';

/** How objects are applied: target namespace, field manager, extra labels. */
export interface ApplyOptions {
  /** Namespace for namespaced objects that name none; default `default`. */
  namespace?: string;
  fieldManager?: string;
  signal?: AbortSignal;
  /** Extra labels stamped on every object (e.g. the run id). */
  labels?: Record<string, string>;
}

/** What the server stored, and the pull warnings found before applying. */
export interface ApplyResult {
  /** The objects as the server stored them, in apply order. */
  applied: KubeObject[];
  /** Containers that would pull from a registry (FR-005), found before anything was applied. */
  warnings: PullWarning[];
}

/** Applies objects in order (Namespaces and CRDs first); an error names the file, document and kind. */
export async function applyManifests(
  client: KubeClient,
  objects: readonly (ManifestObject | KubeObject)[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const entries = objects.map(toEntry);
  const warnings = findPullRisks(entries);
  const ordered = [...entries].sort((a, b) => rank(a.object) - rank(b.object));
  const applied: KubeObject[] = [];
  for (const entry of ordered) {
    options.signal?.throwIfAborted();
    applied.push(await applyOne(client, entry, options));
  }
  return { applied, warnings };
}

/** Deletes objects (background propagation); ones already gone are skipped. Returns what was deleted. */
export async function deleteObjects(
  client: KubeClient,
  objects: readonly (ManifestObject | KubeObject)[],
  options: { namespace?: string; signal?: AbortSignal; gracePeriodSeconds?: number } = {},
): Promise<string[]> {
  const deleted: string[] = [];
  // Reverse order: dependents before what they depend on (Namespaces and CRDs last).
  const ordered = objects.map(toEntry).sort((a, b) => rank(b.object) - rank(a.object));
  for (const { object, source } of ordered) {
    const info = await resolveResource(client, object.apiVersion, object.kind).catch((error: unknown) => {
      throw withSource(error, source);
    });
    const namespace = info.namespaced
      ? (object.metadata.namespace ?? options.namespace ?? 'default')
      : undefined;
    const name = object.metadata.name;
    if (!name) continue;
    try {
      await client.request(HttpMethod.DELETE, objectPath(info, namespace, name), {
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          propagationPolicy: 'Background',
          gracePeriodSeconds: options.gracePeriodSeconds,
        },
        signal: options.signal,
      });
      deleted.push(`${object.kind}/${namespace ? `${namespace}/` : ''}${name}`);
    } catch (error) {
      if (!isNotFound(error))
        throw new InfrastructureError(
          'DeleteFailed',
          `deleting ${object.kind} ${name}: ${describeKubeError(error)}`,
          {
            cause: error,
          },
        );
    }
  }
  return deleted;
}

async function applyOne(
  client: KubeClient,
  entry: ManifestObject,
  options: ApplyOptions,
): Promise<KubeObject> {
  const { source } = entry;
  const object = structuredClone(entry.object);
  const info = await resolveResource(client, object.apiVersion, object.kind).catch((error: unknown) => {
    throw withSource(error, source);
  });
  if (info.namespaced && !object.metadata.namespace)
    object.metadata.namespace = options.namespace ?? 'default';
  if (!info.namespaced) delete object.metadata.namespace;
  if (options.labels) object.metadata.labels = { ...object.metadata.labels, ...options.labels };
  const name = object.metadata.name;
  if (!name)
    throw new UsageError(
      `${where(source)}: ${object.kind} uses generateName, which server-side apply cannot create`,
    );
  try {
    return await client.request<KubeObject>(
      HttpMethod.PATCH,
      objectPath(info, object.metadata.namespace, name),
      {
        query: { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: true },
        body: object,
        contentType: PatchStrategy.ServerSideApply,
        signal: options.signal,
      },
    );
  } catch (error) {
    const status = statusOf(error);
    const what = `${where(source)}: applying ${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${name}`;
    if (status === 400 || status === 422 || status === 409)
      throw new UsageError(`${what}: ${describeKubeError(error)}`, { cause: error });
    throw new InfrastructureError('ApplyFailed', `${what}: ${describeKubeError(error)}`, { cause: error });
  }
}

function toEntry(item: ManifestObject | KubeObject): ManifestObject {
  return 'source' in item && 'object' in item
    ? (item as ManifestObject)
    : { object: item, source: { file: '<inline>', document: 1, line: 1 } };
}

/** Namespaces first, then CRDs, then cluster-wide RBAC and ServiceAccounts, then the rest. */
function rank(object: KubeObject): number {
  if (object.kind === 'Namespace') return 0;
  if (object.kind === 'CustomResourceDefinition') return 1;
  if (
    [
      'ServiceAccount',
      'ClusterRole',
      'Role',
      'ClusterRoleBinding',
      'RoleBinding',
      'Secret',
      'ConfigMap',
    ].includes(object.kind)
  )
    return 2;
  return 3;
}

function where(source: ManifestObject['source']): string {
  return `${source.file} (document ${source.document}, line ${source.line})`;
}

function withSource(error: unknown, source: ManifestObject['source']): Error {
  if (error instanceof UsageError)
    return new UsageError(`${where(source)}: ${error.message}`, { cause: error });
  return new InfrastructureError('ApplyFailed', `${where(source)}: ${describeKubeError(error)}`, {
    cause: error,
  });
}
