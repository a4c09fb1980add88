// The whole trace of a project, as `incluster trace` (and `incluster run`) need it: read the specs,
// collect the tests, read the baseline and any run evidence, and build the report.
import { resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import { diffBaseline, readBaseline, writeBaseline, type BaselineDiff } from './baseline.ts';
import { collectTests } from './collect/collect.ts';
import { mergeEvidence, readEvidence } from './evidence.ts';
import { loadRegistry } from './registry.ts';
import { buildReport } from './report.ts';
import type { TraceReport } from './report-schema.ts';

export interface TraceProjectOptions {
  /** Root of the project (where incluster.config.yaml is, or the working directory). */
  root: string;
  /** The `trace` section of the configuration. */
  trace: Config['trace'];
  /** Overrides `trace.threshold`. */
  threshold?: number;
  /** traceability.json files (one per shard) whose failed requirements fail the gate. */
  evidenceFiles?: string[];
  /** Record the current fingerprints as confirmed before reporting. */
  confirm?: boolean;
  failOnSuspect?: boolean;
  /** Reuse the collection of unchanged test files from node_modules/.cache (default true). */
  cache?: boolean;
}

export interface ProjectTrace {
  report: TraceReport;
  /** What `confirm` changed in the baseline; undefined without `confirm`. */
  confirmed?: BaselineDiff & { file: string };
  /** Test files whose collection came from the cache, unchanged since an earlier trace. */
  reusedFiles: number;
}

/** Reads specs, tests, baseline and evidence; builds the report. Bad input throws UsageError (exit 2). */
export async function traceProject(options: TraceProjectOptions): Promise<ProjectTrace> {
  const { root, trace } = options;
  const registry = loadRegistry({ root, specs: trace.specs, idPattern: trace.idPattern });
  const collection = collectTests({ root, include: trace.tests, cache: options.cache ?? true });
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
  const evidence = evidenceFiles.length
    ? {
        data: mergeEvidence(await Promise.all(evidenceFiles.map((f) => readEvidence(resolve(root, f))))),
        files: evidenceFiles,
      }
    : undefined;
  const report = buildReport({
    registry,
    collection,
    baseline,
    evidence,
    settings: {
      specs: trace.specs,
      tests: trace.tests,
      threshold: options.threshold ?? trace.threshold,
      allowUntagged: trace.allowUntagged,
      baseline: trace.lockFile,
      failOnSuspect: options.failOnSuspect,
    },
  });
  return { report, confirmed, reusedFiles: collection.reused };
}
