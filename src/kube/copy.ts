// Copying a directory out of a pod: `tar cf - -C dir .` over exec, extracted as it streams with the
// safety rules of archive.ts. (The client library's Cp returns before the transfer ends; we don't use it.)
import { PassThrough } from 'node:stream';
import { InfrastructureError } from '../errors.ts';
import { extractTarSafely, type ExtractOptions, type ExtractResult } from './archive.ts';
import type { KubeClient } from './client.ts';
import { execInPod } from './exec.ts';

/** The extraction's result plus tar's own exit status. */
export interface CopyResult extends ExtractResult {
  /** tar's exit status in the pod (1 = some files changed while read; content is still extracted). */
  tarExitCode: number;
  tarStderr: string;
}

/** Copies `remoteDir` of a pod's container into `localDir`, safely; returns what was extracted and refused. */
export async function copyFromPod(
  client: KubeClient,
  namespace: string,
  pod: string,
  remoteDir: string,
  localDir: string,
  options: ExtractOptions & { container?: string; signal?: AbortSignal } = {},
): Promise<CopyResult> {
  const tarStream = new PassThrough();
  const extraction = extractTarSafely(tarStream, localDir, options);
  let exec;
  try {
    exec = await execInPod(client, namespace, pod, ['tar', 'cf', '-', '-C', remoteDir, '.'], {
      container: options.container,
      stdout: tarStream,
      signal: options.signal,
    });
  } finally {
    tarStream.end();
  }
  const extracted = await extraction.catch((error: unknown) => {
    throw new InfrastructureError(
      'CopyFailed',
      `copying ${remoteDir} out of ${namespace}/${pod}: the archive is unreadable (${error instanceof Error ? error.message : String(error)})`,
      {
        cause: error,
      },
    );
  });
  if (exec.exitCode > 1)
    throw new InfrastructureError(
      'CopyFailed',
      `copying ${remoteDir} out of ${namespace}/${pod}: tar exited ${exec.exitCode}: ${exec.stderr.trim().split('\n').slice(-3).join(' / ')}`,
    );
  return { ...extracted, tarExitCode: exec.exitCode, tarStderr: exec.stderr };
}
