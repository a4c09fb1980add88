// Declares every requirement ID found in the spec files as a Vitest tag, so Vitest's `strictTags`
// rejects an unknown or mistyped ID at collection time.
// (Minimal first version; the traceability registry replaces the parsing with its own.)
import { readFileSync } from 'node:fs';
import { globSync } from 'tinyglobby';

const REQUIREMENT_LINE = /^\s*-\s+\*\*(\d{3}-FR-\d{3})\*\*\s+(.*)$/;

/** Reads `{ name, description }` tag definitions for every requirement in the matching spec files. */
export function requirementTags(options: {
  root: string;
  specs?: string[];
}): { name: string; description: string }[] {
  const files = globSync(options.specs ?? ['specs/**/spec.md'], { cwd: options.root, absolute: true });
  const tags: { name: string; description: string }[] = [];
  for (const file of files.sort()) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = REQUIREMENT_LINE.exec(line);
      if (match) tags.push({ name: match[1]!, description: match[2]! });
    }
  }
  return tags;
}
