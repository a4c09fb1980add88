// Tar archives built in memory, entry by entry, exactly as given: tar-stream does not sanitize
// names, so the hostile-archive tests can write `../x`, absolute paths, links and devices.
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';

/** One archive entry: its header fields and, for files, its content. */
export type TarEntry = Partial<Header> & { name: string; content?: string | Buffer };

/** A readable tar stream holding `entries` in order. */
export async function tarOf(entries: TarEntry[]): Promise<Readable> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve) => archive.on('end', () => resolve()));
  for (const { content, ...header } of entries)
    await new Promise<void>((resolve, reject) =>
      archive.entry(header, content ?? '', (error) => (error ? reject(error) : resolve())),
    );
  archive.finalize();
  await done;
  return Readable.from([Buffer.concat(chunks)]);
}
