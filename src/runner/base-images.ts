// The images a Dockerfile builds FROM, and their IDs in the local engine. They belong in the runner
// image's content hash: rebuilding or re-importing `node:24-bookworm-slim` changes what the image
// would contain while the Dockerfile's text, the sources and the build arguments stay the same, and
// a tag computed from those alone would keep running the image built on the old base.
import { runCommand } from '../process/exec.ts';

/**
 * The base images of `dockerfile`, in order, with `${ARG}`s from the global ARG defaults and the
 * build arguments substituted; earlier stages (`FROM deps`) and `scratch` are not base images.
 */
export function baseImages(dockerfile: string, buildArgs: Readonly<Record<string, string>> = {}): string[] {
  const defaults: Record<string, string> = {};
  const stages = new Set<string>();
  const images: string[] = [];
  let seenFrom = false;
  for (const line of logicalLines(dockerfile)) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/i.exec(line);
    if (arg && !seenFrom) {
      // Only ARGs before the first FROM can be used in FROM lines.
      defaults[arg[1]!] = unquote(arg[2] ?? '');
      continue;
    }
    const from = /^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (!from) continue;
    seenFrom = true;
    const image = substitute(from[1]!, { ...defaults, ...buildArgs });
    if (image !== 'scratch' && !stages.has(image.toLowerCase()) && !images.includes(image))
      images.push(image);
    if (from[2]) stages.add(from[2].toLowerCase());
  }
  return images;
}

/** Resolves a reference to the engine's image ID, or undefined when the engine lacks it. */
export type ImageIdLookup = (reference: string) => Promise<string | undefined>;

/**
 * `reference=id` for each base image (`absent` when the engine does not have it yet, and the build
 * would pull it), for the content hash. A lookup that fails counts as absent: the build that follows
 * reports an engine that does not answer far better than a hash could.
 */
export async function baseImageIds(images: readonly string[], lookup: ImageIdLookup): Promise<string[]> {
  return Promise.all(
    images.map(async (image) => `${image}=${(await lookup(image).catch(() => undefined)) ?? 'absent'}`),
  );
}

/** `lookup`, asking the engine once per reference: one run hashes its build several times. */
export function rememberLookups(lookup: ImageIdLookup): ImageIdLookup {
  const seen = new Map<string, Promise<string | undefined>>();
  return (reference) => {
    let id = seen.get(reference);
    if (!id) seen.set(reference, (id = lookup(reference)));
    return id;
  };
}

/** Looks an image up in the local Docker engine. */
export function dockerImageId(env: NodeJS.ProcessEnv, signal?: AbortSignal): ImageIdLookup {
  return async (reference) => {
    const result = await runCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', reference], {
      env,
      signal,
      allowFailure: true,
      timeoutMs: 30_000,
    });
    return result.exitCode === 0 ? result.stdout.trim() || undefined : undefined;
  };
}

/** Dockerfile lines with `\` continuations joined and comments dropped. */
function logicalLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

function substitute(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_match, braced?: string, fallback?: string, bare?: string) => vars[(braced ?? bare)!] || fallback || '',
  );
}

function unquote(value: string): string {
  return value.trim().replace(/^(["'])(.*)\1$/, '$2');
}
