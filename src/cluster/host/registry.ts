// The container registry incluster can build on this machine: the distribution project's `registry`
// (what Docker Hub and most self-hosted registries run), from the Go module proxy, cached like every
// Go program. incluster's own tests run it on 127.0.0.1 as the `cluster.existing.registry` of the
// local cluster, so the path every team on a remote cluster takes (push, then the nodes pull) is
// exercised for real; `incluster cache prune` keeps the current build.
import { join } from 'node:path';
import type { Status } from '../../progress/status.ts';
import { DISTRIBUTION_VERSION } from '../versions.ts';
import { ensureGoProgram, type GoProgram } from './go-build.ts';

/** The registry as a Go program: built with `go install`, its version stamped in. */
export const REGISTRY_PROGRAM: GoProgram = {
  name: 'registry',
  label: 'the distribution registry',
  version: `v${DISTRIBUTION_VERSION}`,
  binaries: { registry: 'github.com/distribution/distribution/v3/cmd/registry' },
  source: { kind: 'install' },
  ldflags: `-s -w -X github.com/distribution/distribution/v3/version.version=v${DISTRIBUTION_VERSION}`,
};

/** The cached `registry` binary, built first when it is missing. */
export async function ensureRegistryBinary(options: {
  cacheRoot: string;
  status: Pick<Status, 'phase'>;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<string> {
  return join(await ensureGoProgram(REGISTRY_PROGRAM, options), 'registry');
}
