// The traceability baseline (specs/traceability.lock): each requirement's fingerprint as it was
// when its tests were last confirmed. A requirement whose wording changed since makes its tests
// suspect until `incluster trace --confirm` writes the current fingerprints.
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';
import type { Registry } from './registry.ts';

/** The lock file's schema, built when there is a file to check: a trace without one skips zod. */
async function baselineSchema() {
  const { z } = await import('zod');
  return z.object({
    schemaVersion: z.literal(1),
    requirements: z.record(z.string(), z.string()),
  });
}

/** Confirmed fingerprints by requirement ID. */
export type Baseline = ReadonlyMap<string, string>;

/** How the registry differs from the baseline. */
export interface BaselineDiff {
  /** Requirements whose wording changed since they were confirmed. */
  changed: string[];
  /** Requirements not in the baseline yet. */
  added: string[];
  /** Baseline entries whose requirement no longer exists. */
  removed: string[];
}

/** Reads the baseline; undefined when the file does not exist, UsageError when it is malformed. */
export async function readBaseline(file: string): Promise<Baseline | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the traceability baseline ${file}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON`, {
      cause: error,
      hint: 'rewrite it with `incluster trace --confirm`',
    });
  }
  const parsed = (await baselineSchema()).safeParse(data);
  if (!parsed.success)
    throw new UsageError(`${file} is not a traceability baseline`, {
      hint: 'rewrite it with `incluster trace --confirm`',
    });
  return new Map(Object.entries(parsed.data.requirements));
}

/** Compares the registry with the baseline. */
export function diffBaseline(registry: Registry, baseline: Baseline): BaselineDiff {
  const changed: string[] = [];
  const added: string[] = [];
  for (const requirement of registry.requirements) {
    const confirmed = baseline.get(requirement.id);
    if (confirmed === undefined) added.push(requirement.id);
    else if (confirmed !== requirement.fingerprint) changed.push(requirement.id);
  }
  const removed = [...baseline.keys()].filter((id) => !registry.byId.has(id)).sort();
  return { changed, added, removed };
}

/** Renders the baseline for the registry as it is now: stable order, one requirement a line. */
export function renderBaseline(registry: Registry): string {
  const requirements = Object.fromEntries(
    [...registry.requirements].sort((a, b) => a.id.localeCompare(b.id)).map((r) => [r.id, r.fingerprint]),
  );
  return `${JSON.stringify({ schemaVersion: 1, requirements }, null, 2)}\n`;
}

/** Writes the current fingerprints as confirmed. */
export async function writeBaseline(file: string, registry: Registry): Promise<void> {
  await writeFile(file, renderBaseline(registry));
}
