// The durations a time-balanced plan is made from: per test file, in milliseconds, measured from
// the JUnit of the run before (each file's test cases summed) and kept beside the results
// (`<artifacts.dir>/timings.json`), or in the file `--timings` names (a CI cache restores it before
// the run and saves it after). A run updates the files it ran and keeps the others, so a run of a
// subset does not forget the rest.
import { replaceFile } from '../../atomic-file.ts';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from '../../errors.ts';
import type { JUnitCase } from '../junit.ts';

/** timings.json. */
export interface TimingsFile {
  schemaVersion: 1;
  kind: 'incluster-timings';
  /** The run that wrote it last. */
  runId: string;
  updatedAt: string;
  /** Milliseconds by test file, relative to the build context. */
  files: Record<string, number>;
}

/** Where the durations are kept: `--timings FILE`, else beside the results. */
export function timingsPath(artifactsDir: string, given?: string): string {
  return given ?? join(artifactsDir, 'timings.json');
}

/** The durations in `path`; none when there is no file yet (a first run, an empty CI cache). */
export async function readTimings(path: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  let data: Partial<TimingsFile>;
  try {
    data = JSON.parse(text) as Partial<TimingsFile>;
  } catch (error) {
    throw new UsageError(`${path} is not a timings file: ${(error as Error).message}`, {
      hint: 'delete it; the next run writes a new one',
    });
  }
  if (data.kind !== 'incluster-timings' || typeof data.files !== 'object' || data.files === null)
    throw new UsageError(`${path} is not a timings file (no kind "incluster-timings" with files)`, {
      hint: 'delete it; the next run writes a new one',
    });
  const durations = new Map<string, number>();
  for (const [file, ms] of Object.entries(data.files))
    if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) durations.set(file, ms);
  return durations;
}

/** Writes `previous` updated with `measured` to `path` (atomically: a CI cache never saves half a file). */
export async function writeTimings(
  path: string,
  previous: ReadonlyMap<string, number>,
  measured: ReadonlyMap<string, number>,
  runId: string,
): Promise<void> {
  const files = Object.fromEntries(
    [...new Map([...previous, ...measured])].sort(([a], [b]) => a.localeCompare(b)),
  );
  const data: TimingsFile = {
    schemaVersion: 1,
    kind: 'incluster-timings',
    runId,
    updatedAt: new Date().toISOString(),
    files,
  };
  await mkdir(dirname(path), { recursive: true });
  await replaceFile(path, `${JSON.stringify(data, null, 2)}\n`);
}

/**
 * Milliseconds per file from the JUnit cases, for the files the run gave its shards. A case belongs
 * to a file by its `file` attribute, its suite or classname naming the file (Vitest, relative to its
 * root or absolute), or its classname naming the file's module (pytest's `tests.test_orders.TestBook`),
 * longest match first.
 */
export function fileDurations(cases: readonly JUnitCase[], files: readonly string[]): Map<string, number> {
  const byPath = new Map(files.map((file) => [file, file]));
  const byModule = new Map(
    files
      .filter((file) => file.endsWith('.py'))
      .map((file) => [file.slice(0, -3).split('/').join('.'), file]),
  );
  const modules = [...byModule.keys()].sort((a, b) => b.length - a.length);
  // A runner names files from its own root (Vitest's may be a folder of the context) or absolutely.
  const matchPath = (name: string): string | undefined => {
    const path = name.replace(/\\/g, '/').replace(/^\.\//, '');
    if (byPath.has(path)) return path;
    return files.find((file) => file.endsWith(`/${path}`) || path.endsWith(`/${file}`));
  };
  const owner = (testCase: JUnitCase): string | undefined => {
    for (const name of [testCase.file, testCase.suite, testCase.classname]) {
      const path = name ? matchPath(name) : undefined;
      if (path) return path;
    }
    const classname = testCase.classname ?? '';
    const module = modules.find((m) => classname === m || classname.startsWith(`${m}.`));
    return module === undefined ? undefined : byModule.get(module);
  };
  const durations = new Map<string, number>();
  for (const testCase of cases) {
    const file = owner(testCase);
    if (file !== undefined) durations.set(file, (durations.get(file) ?? 0) + testCase.seconds * 1000);
  }
  for (const [file, ms] of durations) durations.set(file, Math.round(ms));
  return durations;
}
