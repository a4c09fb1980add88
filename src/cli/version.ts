// The package's version, read from package.json next to the sources or the build output.
import { readFileSync } from 'node:fs';

/** incluster's version from package.json. */
export function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
