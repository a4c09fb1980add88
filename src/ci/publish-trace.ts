// What `incluster trace` leaves for CI: under GitHub Actions an annotation at the file and line of
// each problem of the report (untagged test, unknown or malformed ID, a tag or import that cannot be
// resolved, …) and at the spec line of each uncovered requirement, an error when it fails the gate
// and a warning when it does not (untagged tests under trace.allowUntagged, coverage above the
// threshold); and the gate with the requirement table appended to the job summary.
import type { Writable } from 'node:stream';
import type { ReportProblem, TraceReport } from '../trace/report-schema.ts';
import { renderStepSummary } from '../trace/render/step-summary.ts';
import {
  annotationCommand,
  appendStepSummary,
  inGitHubActions,
  sourceLink,
  workspacePath,
  type Annotation,
} from './github.ts';

export interface PublishTraceOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The trace root: the report's paths are relative to it. */
  root: string;
  /** Where annotations go. */
  stream: Writable;
}

/** The gate failure each kind of problem counts towards; `uncalled-test` fails nothing. */
const GATE_CODE: Record<ReportProblem['kind'], string | undefined> = {
  'untagged-test': 'untagged-tests',
  'unknown-id': 'unknown-ids',
  'malformed-id': 'malformed-ids',
  'unresolved-tags': 'unresolved-tags',
  'invalid-api': 'invalid-api',
  'unresolved-import': 'invalid-api',
  'uncalled-test': undefined,
  'no-tests': 'no-tests',
  'vitest-config': 'vitest-config',
  'test-set': 'test-set',
};

const TITLE: Record<ReportProblem['kind'], string> = {
  'untagged-test': 'test without a requirement ID',
  'unknown-id': 'unknown requirement ID',
  'malformed-id': 'malformed requirement ID',
  'unresolved-tags': 'tags that cannot be resolved statically',
  'invalid-api': 'a call Vitest rejects',
  'unresolved-import': 'an import that does not resolve',
  'uncalled-test': 'a test nothing calls',
  'no-tests': 'a test file without tests',
  'vitest-config': 'Vitest config',
  'test-set': 'test set',
};

export async function publishTrace(report: TraceReport, options: PublishTraceOptions): Promise<void> {
  const { env, cwd, root } = options;
  const path = (file: string) => workspacePath(env, cwd, root, file);
  await appendStepSummary(
    env,
    renderStepSummary(report, { link: (file, line) => sourceLink(env, path(file), line) }),
  );
  if (!inGitHubActions(env)) return;
  for (const annotation of traceAnnotations(report, path))
    options.stream.write(`${annotationCommand(annotation)}\n`);
}

/** The annotations of a report, paths made relative to the repository by `path`. */
export function traceAnnotations(report: TraceReport, path: (file: string) => string): Annotation[] {
  const failing = new Set<string>(report.gate.failures.map((f) => f.code));
  const annotations: Annotation[] = report.problems.map((problem) => {
    const code = GATE_CODE[problem.kind];
    return {
      level: code && failing.has(code) ? 'error' : 'warning',
      file: path(problem.file),
      line: problem.line,
      column: problem.column,
      title: TITLE[problem.kind],
      message: problem.message,
    };
  });
  const belowThreshold = failing.has('below-threshold');
  for (const requirement of report.requirements.filter((r) => r.status === 'uncovered'))
    annotations.push({
      level: belowThreshold ? 'error' : 'warning',
      file: path(requirement.file),
      line: requirement.line,
      title: 'uncovered requirement',
      message: `${requirement.id} has no test: ${requirement.title}`,
    });
  return annotations;
}
