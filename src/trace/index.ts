// incluster/trace: requirement traceability for Vitest suites. The config helper and reporter for
// vitest.config.ts, and the functions behind `incluster trace` for programmatic use.
export { withRequirements, type WithRequirementsOptions } from './vitest-config.ts';
export { RequirementsReporter, type RequirementsReporterOptions } from './reporter.ts';
export {
  loadRegistry,
  parseSpec,
  fingerprintOf,
  type Registry,
  type RegistryOptions,
  type Requirement,
} from './registry.ts';
export { compileIdFormat, DEFAULT_ID_PATTERN, type IdFormat, type TagKind } from './ids.ts';
export { collectTests, collectFiles } from './collect/collect.ts';
export type { Collection, CollectedTest, CollectionProblem, CollectOptions } from './collect/collection.ts';
export type { TestMode } from './collect/test-api.ts';
export {
  readEvidence,
  mergeEvidence,
  evidenceSchema,
  EVIDENCE_SCHEMA_VERSION,
  type RunEvidence,
  type EvidenceTest,
  type TestOutcome,
} from './evidence.ts';
export { judgeRequirements, type RequirementVerdict } from './verdicts.ts';
export {
  readBaseline,
  diffBaseline,
  renderBaseline,
  writeBaseline,
  type Baseline,
  type BaselineDiff,
} from './baseline.ts';
export { buildReport, displayStatus, type ReportInput } from './report.ts';
export {
  reportSchema,
  reportJsonSchema,
  REPORT_SCHEMA_VERSION,
  type TraceReport,
  type ReportRequirement,
  type ReportTest,
  type ReportProblem,
  type GateFailure,
} from './report-schema.ts';
export { traceProject, type TraceProjectOptions, type ProjectTrace } from './project-trace.ts';
export { renderJUnit, type JUnitCase, type JUnitSuite } from './junit.ts';
export { renderTable } from './render/table.ts';
export { renderMarkdown } from './render/markdown.ts';
export { renderHtml } from './render/html.ts';
