// Which API path serves a kind, and whether it is namespaced: asked from API discovery once per
// group/version and cached per client, so applying 50 objects costs a handful of discovery calls.
import { HttpMethod } from '@kubernetes/client-node';
import { UsageError } from '../errors.ts';
import { isNotFound } from './api-error.ts';
import type { KubeClient } from './client.ts';

/** Where a kind lives in the API. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  /** The plural resource name in URLs (`deployments`). */
  plural: string;
  namespaced: boolean;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  basePath: string;
}

interface ResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

const caches = new WeakMap<KubeClient, Map<string, Promise<ResourceList | undefined>>>();

/** Resolves a kind to its API path; an unknown apiVersion/kind is a UsageError naming both. */
export async function resolveResource(
  client: KubeClient,
  apiVersion: string,
  kind: string,
): Promise<ResourceInfo> {
  const found = (await resourcesOf(client, apiVersion, false))?.resources.find(
    (r) => r.kind === kind && !r.name.includes('/'),
  );
  // A kind missing from a cached list may be a CRD installed since: ask once more.
  const resource =
    found ??
    (await resourcesOf(client, apiVersion, true))?.resources.find(
      (r) => r.kind === kind && !r.name.includes('/'),
    );
  if (!resource) throw new UsageError(`the cluster does not know kind ${kind} in apiVersion ${apiVersion}`);
  return {
    apiVersion,
    kind,
    plural: resource.name,
    namespaced: resource.namespaced,
    basePath: basePathOf(apiVersion),
  };
}

/** The URL path of one object (or of the collection when `name` is undefined). */
export function objectPath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const parts = [info.basePath];
  if (info.namespaced && namespace) parts.push('namespaces', encodeURIComponent(namespace));
  parts.push(info.plural);
  if (name !== undefined) parts.push(encodeURIComponent(name));
  return parts.join('/');
}

/** `/api/v1` for the core group, `/apis/apps/v1` for the others. */
function basePathOf(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

function resourcesOf(
  client: KubeClient,
  apiVersion: string,
  refresh: boolean,
): Promise<ResourceList | undefined> {
  let cache = caches.get(client);
  if (!cache) {
    cache = new Map();
    caches.set(client, cache);
  }
  let entry = refresh ? undefined : cache.get(apiVersion);
  if (!entry) {
    entry = client.request<ResourceList>(HttpMethod.GET, basePathOf(apiVersion)).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      cache.delete(apiVersion); // do not cache a transient failure
      throw error;
    });
    cache.set(apiVersion, entry);
  }
  return entry;
}
