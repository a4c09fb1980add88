// Which Debian mirror image builds download from: the one this machine's apt is configured with
// (one-line .list files and deb822 .sources files), never a host name of our own.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../../errors.ts';

/** One apt source entry. */
export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
}

/** The mirrors an image's apt uses: the archive, and the security archive when configured. */
export interface DebianMirror {
  archive: string;
  security: string | undefined;
}

/** Parses one-line sources (`deb [opts] URI SUITE COMPONENT…`), skipping comments and deb-src. */
export function parseOneLineSources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const withoutOptions = line.replace(/\[[^\]]*\]/, ' ');
    const [type, uri, suite, ...components] = withoutOptions.split(/\s+/);
    if (!type || !uri || !suite) continue;
    sources.push({ types: [type], uris: [uri], suites: [suite], components });
  }
  return sources;
}

/** Parses deb822 sources (stanzas of `Field: value`), skipping stanzas with `Enabled: no`. */
export function parseDeb822Sources(text: string): AptSource[] {
  const sources: AptSource[] = [];
  const stanzas = text
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .split(/\n\s*\n/);
  for (const stanza of stanzas) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`); // continuation line
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon).trim().toLowerCase();
      fields.set(last, line.slice(colon + 1).trim());
    }
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const list = (name: string) => (fields.get(name) ?? '').split(/\s+/).filter(Boolean);
    const source = {
      types: list('types'),
      uris: list('uris'),
      suites: list('suites'),
      components: list('components'),
    };
    if (source.types.length && source.uris.length && source.suites.length) sources.push(source);
  }
  return sources;
}

/** Picks the Debian archive and security mirrors among `sources`; undefined when none is Debian's. */
export function pickDebianMirror(sources: readonly AptSource[]): DebianMirror | undefined {
  const binary = sources.filter((s) => s.types.includes('deb') && s.components.includes('main'));
  const isSecurity = (s: AptSource) => s.suites.some((suite) => suite.endsWith('-security'));
  const looksDebian = (uri: string) => /\/debian\/?$/.test(uri);
  const archives = binary.filter((s) => !isSecurity(s));
  const archive =
    archives.flatMap((s) => s.uris).find(looksDebian) ??
    archives.filter((s) => s.suites.some((suite) => /^[a-z]+$/.test(suite))).flatMap((s) => s.uris)[0];
  if (!archive) return undefined;
  const security = binary.filter(isSecurity).flatMap((s) => s.uris)[0];
  return { archive: trimSlash(archive), security: security === undefined ? undefined : trimSlash(security) };
}

/** Reads apt's configured sources under `aptDir` (sources.list and sources.list.d/*.list|*.sources). */
async function readAptSources(aptDir = '/etc/apt'): Promise<AptSource[]> {
  const sources: AptSource[] = [];
  const read = async (file: string) => readFile(file, 'utf8').catch(() => '');
  sources.push(...parseOneLineSources(await read(join(aptDir, 'sources.list'))));
  let names: string[] = [];
  try {
    names = (await readdir(join(aptDir, 'sources.list.d'))).sort();
  } catch {
    // no directory: only sources.list
  }
  for (const name of names) {
    const file = join(aptDir, 'sources.list.d', name);
    if (name.endsWith('.list')) sources.push(...parseOneLineSources(await read(file)));
    if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(await read(file)));
  }
  return sources;
}

/** The mirror to build from: $INCLUSTER_DEBIAN_MIRROR, else the machine's apt configuration. */
export async function debianMirror(
  env: NodeJS.ProcessEnv = process.env,
  aptDir = '/etc/apt',
): Promise<DebianMirror> {
  if (env.INCLUSTER_DEBIAN_MIRROR) {
    return {
      archive: trimSlash(env.INCLUSTER_DEBIAN_MIRROR),
      security: env.INCLUSTER_DEBIAN_SECURITY_MIRROR || undefined,
    };
  }
  const mirror = pickDebianMirror(await readAptSources(aptDir));
  if (!mirror) {
    throw new InfrastructureError(
      'DebianMirrorMissing',
      `no Debian mirror is configured in ${aptDir}/sources.list or ${aptDir}/sources.list.d`,
      {
        hint: 'set INCLUSTER_DEBIAN_MIRROR to the URL of a Debian archive mirror',
      },
    );
  }
  return mirror;
}

/** The /etc/apt/sources.list an image of `suite` gets: its release, updates and security. */
export function imageSourcesList(mirror: DebianMirror, suite: string): string {
  const lines = [`deb ${mirror.archive} ${suite} main`, `deb ${mirror.archive} ${suite}-updates main`];
  if (mirror.security) lines.push(`deb ${mirror.security} ${suite}-security main`);
  return `${lines.join('\n')}\n`;
}

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, '');
}
