// Where expensive builds (Kubernetes binaries, base images, Node.js) are cached, keyed by version,
// so a warm machine never rebuilds them. Shared with scripts/env.sh, which uses the same rule.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$INCLUSTER_CACHE_DIR`, else `$XDG_CACHE_HOME/incluster`, else `~/.cache/incluster`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INCLUSTER_CACHE_DIR) return env.INCLUSTER_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'incluster');
}
