// The kind CLI as a Go program: built from the Go module proxy into the cache like every Go program
// (host/go-build.ts). The kind provider builds and runs it for offline clusters, and `incluster cache
// prune` keeps its current build, so it is defined here, below both: shared code never imports a
// provider (docs/architecture.md).
import type { GoProgram } from './go-build.ts';
import { KIND_VERSION } from '../versions.ts';

/** The pinned kind CLI as a Go program (about 20 s to build). */
export const KIND_PROGRAM: GoProgram = {
  name: 'kind',
  label: 'kind',
  version: KIND_VERSION,
  binaries: { kind: 'sigs.k8s.io/kind' },
  source: { kind: 'install' },
  ldflags: '-s -w',
};
