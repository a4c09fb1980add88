// Merges a cluster's admin context into the user's kubeconfig, for those who prefer `kubectl` to
// just work over exporting KUBECONFIG.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ClusterAccess } from './provider.ts';

interface Named {
  name: string;
  [key: string]: unknown;
}
interface KubeconfigFile {
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  'current-context'?: string;
  [key: string]: unknown;
}

/** Adds (or replaces) the access's cluster, user and context in the default kubeconfig; returns its path. */
export async function mergeKubeconfig(
  access: ClusterAccess,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const target = env.KUBECONFIG?.split(delimiter).find(Boolean) ?? join(homedir(), '.kube', 'config');
  const source = parse(await readFile(access.kubeconfigPath, 'utf8')) as KubeconfigFile;
  let existing: KubeconfigFile = { apiVersion: 'v1', kind: 'Config' };
  try {
    existing = (parse(await readFile(target, 'utf8')) as KubeconfigFile | null) ?? existing;
  } catch {
    // a new file
  }
  const merged = mergeInto(existing, source);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, stringify(merged), { mode: 0o600 });
  return target;
}

/** Entries of `source` replace same-named entries of `target`; `source`'s context becomes current. */
export function mergeInto(target: KubeconfigFile, source: KubeconfigFile): KubeconfigFile {
  const merge = (a: Named[] = [], b: Named[] = []) => [
    ...a.filter((x) => !b.some((y) => y.name === x.name)),
    ...b,
  ];
  return {
    ...target,
    clusters: merge(target.clusters, source.clusters),
    users: merge(target.users, source.users),
    contexts: merge(target.contexts, source.contexts),
    'current-context': source['current-context'] ?? target['current-context'],
  };
}
