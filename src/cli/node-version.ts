// The start-up check of the Node.js version against package.json's `engines`. The dependency tree
// decides the minimum (undici 8, through @kubernetes/client-node, needs 22.19): on an older Node the
// first command that loads the Kubernetes client would fail deep inside undici with a TypeError, so
// the CLI says which Node.js it found and which one it needs before it loads anything else.
// Dependency-free on purpose: it must run before the rest of the CLI is imported.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** `>=22.19` or `>=22.19.0`: the only form our `engines.node` takes (a unit test keeps it so). */
const MINIMUM = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/;

/** The minimum Node.js version in `engines.node`, as [major, minor, patch]; undefined for other forms. */
export function minimumNode(range: string): [number, number, number] | undefined {
  const match = MINIMUM.exec(range.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Why `found` (e.g. `24.2.0`) cannot run incluster, or undefined when it satisfies `range`. */
export function nodeVersionProblem(found: string, range: string): string | undefined {
  const minimum = minimumNode(range);
  if (!minimum) return undefined;
  const version = found.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i += 1) {
    const have = version[i] ?? 0;
    if (have > minimum[i]!) return undefined;
    if (have < minimum[i]!)
      return `incluster needs Node.js ${minimum.join('.')} or newer (package.json engines: ${range}), but this is Node.js ${found.replace(/^v/, '')}`;
  }
  return undefined;
}

/** The `engines.node` of incluster's own package.json (src/cli/ and dist/cli/ are two levels below it). */
export function requiredNode(packageRoot = resolve(import.meta.dirname, '../..')): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(resolve(packageRoot, 'package.json'), 'utf8')) as {
      engines?: { node?: string };
    };
    return manifest.engines?.node;
  } catch {
    return undefined;
  }
}
