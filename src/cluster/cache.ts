// Where expensive builds (Kubernetes binaries, images, Node.js) are cached, and the one rule for
// their keys, so a warm machine never rebuilds them. Shared with scripts/env.sh, which uses the
// same rule for the root.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$INCLUSTER_CACHE_DIR`, else `$XDG_CACHE_HOME/incluster`, else `~/.cache/incluster`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INCLUSTER_CACHE_DIR) return env.INCLUSTER_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'incluster');
}

/**
 * A short stable hash of everything a cached thing is made of (versions, sources, flags, inputs);
 * order matters. The same parts give the same key from the sources and from the built package.
 */
export function cacheKey(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    // Length-prefixed, so ['ab', 'c'] and ['a', 'bc'] differ.
    hash.update(`${Buffer.byteLength(part)}:`);
    hash.update(part);
  }
  return hash.digest('hex').slice(0, 16);
}
