// Merges a cluster's admin context into the user's kubeconfig, for those who prefer `kubectl` to
// just work over exporting KUBECONFIG. The file is shared with kubectl, kind and other merges: it is
// rewritten under client-go's lock file, through a temporary file renamed into place (FR-137).
import { replaceFile } from '../atomic-file.ts';
import { readFile, mkdir, realpath, stat } from 'node:fs/promises';
import { withFileLock } from '../process/file-lock.ts';
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
  const named = env.KUBECONFIG?.split(delimiter).find(Boolean) ?? join(homedir(), '.kube', 'config');
  // A symlinked kubeconfig (dotfiles) is rewritten where it points, and stays a link.
  const target = await realpath(named).catch(() => named);
  const source = parse(await readFile(access.kubeconfigPath, 'utf8')) as KubeconfigFile;
  await mkdir(dirname(target), { recursive: true });
  await withFileLock(target, async () => {
    let existing: KubeconfigFile = { apiVersion: 'v1', kind: 'Config' };
    const text = await readFile(target, 'utf8').catch(() => undefined);
    if (text !== undefined) existing = (parse(text) as KubeconfigFile | null) ?? existing;
    const mode = text === undefined ? 0o600 : (await stat(target)).mode & 0o7777;
    await replaceFile(target, stringify(mergeInto(existing, source)), { mode });
  });
  return named;
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
