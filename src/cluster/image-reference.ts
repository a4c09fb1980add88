// Image references as container runtimes store them: `busybox:1.35` is kept as
// `docker.io/library/busybox:1.35`, so checking that an image reached a node (kind's or the local
// containerd) compares fully qualified names. Shared by every provider that loads images.

/** `busybox:1.35` → `docker.io/library/busybox:1.35`; `nginx` → `docker.io/library/nginx:latest`; digests stay. */
export function qualifyImageReference(reference: string): string {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at) : '';
  let name = at >= 0 ? reference.slice(0, at) : reference;
  let tag = '';
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
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

/** The short form people read in progress lines: `docker.io/library/node:24-bookworm-slim` → `node:24-bookworm-slim`. */
export function shortImageName(reference: string): string {
  return reference.replace(/^docker\.io\/(library\/)?/, '');
}

/** True when a node holding `held` (repo tags and digests) has `wanted`. */
export function nodeHasImage(held: readonly string[], wanted: string): boolean {
  const want = qualifyImageReference(wanted);
  const qualified = new Set(held.map(qualifyImageReference));
  if (qualified.has(want)) return true;
  // `name:tag@digest` is stored as `name:tag` plus `name@digest`; either proves the image is there.
  const at = want.indexOf('@');
  if (at < 0) return false;
  const named = want.slice(0, at);
  const digest = want.slice(at);
  const colon = named.lastIndexOf(':');
  const tagged = colon > named.lastIndexOf('/');
  const name = tagged ? named.slice(0, colon) : named;
  return qualified.has(`${name}${digest}`) || (tagged && qualified.has(named));
}
