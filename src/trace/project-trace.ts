// The whole trace of a project, as `incluster trace` (and `incluster run`) need it: read the specs,
// collect the tests, read the baseline and any run evidence, and build the report.
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { diffBaseline, readBaseline, writeBaseline, type BaselineDiff } from './baseline.ts';
import { collectTests } from './collect/collect.ts';
import { collectPytest, withPytest, type PytestInvocation } from './pytest/collect.ts';
import { loadRegistry } from './registry.ts';
import { buildReport } from './report.ts';
import type { TraceReport } from './report-schema.ts';

export interface TraceProjectOptions {
  /** Root of the project (where incluster.config.yaml is, or the working directory). */
  root: string;
  /** The `trace` section of the configuration. */
  trace: Config['trace'];
  /**
   * The incluster.config.yaml the settings came from (default: the root's, if any): `trace.tests`
   * overrides Vitest's test set only when that file sets it.
   */
  configFile?: string;
  /** Overrides `trace.threshold`. */
  threshold?: number;
  /**
   * Run evidence (traceability.json per shard, or JUnit): a covered requirement that failed, or
   * whose tests were only skipped or did not run, fails the gate.
   */
  evidenceFiles?: string[];
  /** Record the current fingerprints as confirmed before reporting. */
  confirm?: boolean;
  failOnSuspect?: boolean;
  /** Overrides `trace.allowUnverified` when true. */
  allowUnverified?: boolean;
  /** Reuse the collection of unchanged test files from node_modules/.cache (default true). */
  cache?: boolean;
}

export interface ProjectTrace {
  report: TraceReport;
  /** What `confirm` changed in the baseline; undefined without `confirm`. */
  confirmed?: BaselineDiff & { file: string };
  /** Test files whose collection came from the cache, unchanged since an earlier trace. */
  reusedFiles: number;
  /** The pytest invocations whose tests the report counts; empty when the project has none. */
  pytest: PytestInvocation[];
}

/** Reads specs, tests, baseline and evidence; builds the report. Bad input throws UsageError (exit 2). */
export async function traceProject(options: TraceProjectOptions): Promise<ProjectTrace> {
  const { root, trace } = options;
  const registry = loadRegistry({ root, specs: trace.specs, idPattern: trace.idPattern });
  const override = await setsTraceTests(options.configFile ?? join(root, 'incluster.config.yaml'));
  const vitest = collectTests({
    root,
    ...(override ? { include: trace.tests, compareWithVitest: true } : {}),
    cache: options.cache ?? true,
  });
  // pytest's tests count like Vitest's: one test set, one report.
  const pytest = await collectPytest({ root, paths: trace.pytest, format: registry.format });
  const collection = withPytest(vitest, pytest);
  const baselineFile = resolve(root, trace.lockFile);
  let baseline = await readBaseline(baselineFile);
  let confirmed: ProjectTrace['confirmed'];
  if (options.confirm) {
    const diff = baseline
      ? diffBaseline(registry, baseline)
      : { changed: [], added: registry.requirements.map((r) => r.id), removed: [] };
    await writeBaseline(baselineFile, registry);
    baseline = new Map(registry.requirements.map((r) => [r.id, r.fingerprint]));
    confirmed = { ...diff, file: trace.lockFile };
  }
  const evidenceFiles = options.evidenceFiles ?? [];
  const evidence = evidenceFiles.length ? await readEvidenceFiles(root, evidenceFiles) : undefined;
  const report = buildReport({
    registry,
    collection,
    baseline,
    evidence,
    settings: {
      specs: trace.specs,
      tests: override ? trace.tests : [],
      threshold: options.threshold ?? trace.threshold,
      allowUntagged: trace.allowUntagged,
      baseline: trace.lockFile,
      failOnSuspect: options.failOnSuspect,
      allowUnverified: options.allowUnverified || trace.allowUnverified,
    },
  });
  return { report, confirmed, reusedFiles: collection.reused, pytest: pytest?.invocations ?? [] };
}

/** The evidence of `--require-passing`, merged; evidence.ts (and its zod schema) loads only then. */
async function readEvidenceFiles(root: string, files: readonly string[]) {
  const { mergeEvidence, readEvidence } = await import('./evidence.ts');
  return {
    data: mergeEvidence(await Promise.all(files.map((f) => readEvidence(resolve(root, f))))),
    // Relative to the root, so a report reads the same on every machine.
    files: files.map((f) => relative(root, resolve(root, f)).split('\\').join('/') || f),
  };
}

/**
 * True when the config file writes `trace.tests` itself (the schema's default is not an override).
 * The YAML parser loads only when there is a file.
 */
async function setsTraceTests(file: string): Promise<boolean> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const { parse: parseYaml } = await import('yaml');
  try {
    const data = parseYaml(text) as { trace?: { tests?: unknown } } | null;
    return data?.trace?.tests !== undefined;
  } catch {
    return false; // loadConfig has already reported a malformed file
  }
}
