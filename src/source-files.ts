// Files of other languages (C, shell, Dockerfiles, TOML, YAML, systemd units) that a module writes
// into an image or onto a host. Each lives beside the module that uses it, as a real file of its
// language that its own tools can check, and is read relative to that module: the build copies them
// into dist/ at the same relative place (scripts/copy-source-files.ts), so the sources and the
// package read the same bytes, and the image cache keys made from them agree.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The text of `relative` beside the module at `moduleUrl` (pause.ts passes its URL and `pause/pause.c`). */
export function sourceFile(moduleUrl: string, relative: string): string {
  return readFileSync(fileURLToPath(new URL(relative, moduleUrl)), 'utf8');
}

/** A placeholder: `@NAME@`, upper case, so it never reads as shell (`$@`, `[@]`) or JSONPath (`@.`). */
const PLACEHOLDER = /@([A-Z][A-Z0-9_]*)@/g;

/**
 * `template` with every `@NAME@` replaced by `values.NAME`. A placeholder without a value, or a value
 * without a placeholder, is an error: a file and its module that disagree fail on the first read.
 */
export function fillPlaceholders(template: string, values: Readonly<Record<string, string>>): string {
  const unused = new Set(Object.keys(values));
  const filled = template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for the placeholder @${name}@`);
    unused.delete(name);
    return value;
  });
  if (unused.size > 0) throw new Error(`no placeholder for ${[...unused].map((n) => `@${n}@`).join(', ')}`);
  return filled;
}

/** The text of `relative` beside `moduleUrl` with its placeholders filled in (see fillPlaceholders). */
export function sourceTemplate(
  moduleUrl: string,
  relative: string,
  values: Readonly<Record<string, string>>,
): string {
  try {
    return fillPlaceholders(sourceFile(moduleUrl, relative), values);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw error;
    throw new Error(`${relative} (beside ${fileURLToPath(moduleUrl)}): ${(error as Error).message}`, {
      cause: error,
    });
  }
}
