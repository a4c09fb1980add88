// The warm inner loop (a source changed, the lockfile not): instead of building and loading a new
// image (the load of a whole image into the node's containerd takes most of a run), the pods run
// the last image loaded with the same dependencies, and the current sources are synced into them
// before the tests start. The archive holds exactly the build context Docker would be sent.
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { contextEntries, type ContextEntry } from './build-context.ts';

/** Where the synced sources arrive in the pod (the holder's and the test container's shared volume). */
const SOURCES_DIR = '/run/incluster';
const ARCHIVE_NAME = 'sources.tar';
const READY_NAME = 'sources-ready';
const SOURCES_ARCHIVE = `${SOURCES_DIR}/${ARCHIVE_NAME}`;
const SOURCES_READY = `${SOURCES_DIR}/${READY_NAME}`;

/**
 * What the image's dependency stage installed into the working directory: never replaced by a
 * sync (node_modules of npm, pnpm and yarn; the virtualenv of the pytest runner, /app/.venv).
 */
const IMAGE_OWNED = ['node_modules', '.venv'] as const;

/** A tar of the build context's files, without what the image installed (its own stay in place). */
export async function packSources(contextDir: string): Promise<Buffer> {
  return packEntries(
    contextDir,
    (await contextEntries(contextDir)).filter((e) => !isImageOwned(e.path)),
  );
}

/** True for a path under what the image's dependency stage installed (node_modules, .venv). */
export function isImageOwned(path: string): boolean {
  return path.split('/').some((part) => (IMAGE_OWNED as readonly string[]).includes(part));
}

/** A tar of these files of `contextDir` (paths relative to it), with their modes and links. */
export async function packEntries(contextDir: string, entries: readonly ContextEntry[]): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  for (const entry of entries) {
    const path = join(contextDir, entry.path);
    if (entry.type === 'link')
      tar.entry({ name: entry.path, type: 'symlink', linkname: await readlink(path) });
    else tar.entry({ name: entry.path, mode: entry.type === 'exec' ? 0o755 : 0o644 }, await readFile(path));
  }
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * The test container's wrapper when sources are synced: wait (at most 10 min) for the archive,
 * replace everything in the working directory but what the image installed with it, then run the
 * command. An archive that does not unpack stops the container (exit 125) before any test runs:
 * tests over half a tree would report failures that are not theirs.
 */
export const SYNC_SCRIPT = [
  'i=0',
  `while [ ! -e ${SOURCES_READY} ]; do i=$((i + 1)); if [ "$i" -gt 3000 ]; then echo "incluster: the sources never arrived" >&2; exit 125; fi; sleep 0.2; done`,
  `find . -mindepth 1 -maxdepth 1 ${IMAGE_OWNED.map((name) => `! -name ${name}`).join(' ')} -exec rm -rf {} +`,
  `tar -xf ${SOURCES_ARCHIVE} -C . || { echo "incluster: the synced sources could not be unpacked" >&2; exit 125; }`,
  'exec "$@"',
].join('\n');

/**
 * The holder-side command receiving `bytes` of archive on stdin, then marking them ready. `head`
 * ends happily on a stream cut short (an exec connection that closed mid-transfer), so the size is
 * checked before the archive is marked ready: a short one is never unpacked.
 */
export function receiveCommand(bytes: number, dir = SOURCES_DIR): string[] {
  const archive = `${dir}/${ARCHIVE_NAME}`;
  return [
    'sh',
    '-c',
    `head -c ${bytes} > ${archive}.part && got=$(wc -c < ${archive}.part) && ` +
      `if [ $((got)) -ne ${bytes} ]; then echo "received $got of ${bytes} bytes" >&2; rm -f ${archive}.part; exit 1; fi && ` +
      `mv ${archive}.part ${archive} && touch ${dir}/${READY_NAME}`,
  ];
}
