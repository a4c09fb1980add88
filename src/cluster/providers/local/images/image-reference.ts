// Image references as containerd stores them: `busybox:1.35` is kept as `docker.io/library/busybox:1.35`,
// so checking that an import worked compares fully qualified names.

/** `busybox:1.35` → `docker.io/library/busybox:1.35`; `nginx` → `docker.io/library/nginx:latest`. */
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
