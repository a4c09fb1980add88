// Where the config file is: dependency-free, so a command can learn whether there is one before it
// loads the parser and the schema (yaml and zod are a good part of the CLI's start-up).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const CONFIG_FILE_NAME = 'incluster.config.yaml';

/** Walks up from `startDir` to the filesystem root and returns the first config file found. */
export function findConfigFile(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
