// Image references as a container runtime lists them: `postgres:17` is stored on a node as
// `docker.io/library/postgres:17`. Verification compares the fully qualified forms.

/** `nginx` → `docker.io/library/nginx:latest`; `ghcr.io/a/b@sha256:…` stays as it is. */
export function normalizeImageReference(reference: string): string {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at) : '';
  let name = at >= 0 ? reference.slice(0, at) : reference;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  let tag = '';
  if (colon > lastSlash) {
    tag = name.slice(colon);
    name = name.slice(0, colon);
  }
  const first = name.split('/')[0] ?? '';
  const hasRegistry =
    name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? name : `library/${name}`}`;
  if (!tag && !digest) tag = ':latest';
  return `${name}${tag}${digest}`;
}

/** True when a node holding `held` (repo tags and digests) has `wanted`. */
export function nodeHasImage(held: readonly string[], wanted: string): boolean {
  const want = normalizeImageReference(wanted);
  const normalized = new Set(held.map(normalizeImageReference));
  if (normalized.has(want)) return true;
  // `name:tag@digest` is stored as `name:tag` plus `name@digest`; either proves the image is there.
  const at = want.indexOf('@');
  if (at < 0) return false;
  const named = want.slice(0, at);
  const digest = want.slice(at);
  const colon = named.lastIndexOf(':');
  const tagged = colon > named.lastIndexOf('/');
  const name = tagged ? named.slice(0, colon) : named;
  return normalized.has(`${name}${digest}`) || (tagged && normalized.has(named));
}
