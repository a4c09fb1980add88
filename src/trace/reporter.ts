// The Vitest reporter that records run-time evidence: for every test that ran (or was skipped),
// its requirement IDs and outcome, into traceability.json, and the same as JUnit XML with a
// `requirements` property per test case. Under `--shard=i/n` the file names carry the shard, so
// the shards' files can be collected side by side and merged.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { compileIdFormat, type IdFormat } from './ids.ts';
import { EVIDENCE_SCHEMA_VERSION, type EvidenceTest, type RunEvidence } from './evidence.ts';
import { renderJUnit, type JUnitSuite } from './junit.ts';

export interface RequirementsReporterOptions {
  /** Directory for the files, relative to the Vitest root; default `test-results`. */
  outputDir?: string;
  /** Default `traceability.json`. */
  evidenceFile?: string;
  /** Default `traceability.junit.xml`; false writes no JUnit. */
  junitFile?: string | false;
  /** The requirement ID format (`trace.idPattern`); tags that do not match are not IDs. */
  idPattern?: string;
}

/** Vitest reporter writing traceability.json and JUnit with requirement properties. */
export class RequirementsReporter implements Reporter {
  private readonly options: RequirementsReporterOptions;
  private readonly format: IdFormat;
  private root = process.cwd();
  private shard: { index: number; count: number } | undefined;
  /** The files written by the last run (absolute paths). */
  written: string[] = [];

  constructor(options: RequirementsReporterOptions = {}) {
    this.options = options;
    this.format = compileIdFormat(options.idPattern);
  }

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.shard = vitest.config.shard;
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    const evidence = this.evidenceOf(testModules);
    const dir = resolve(this.root, this.options.outputDir ?? 'test-results');
    const suffix = this.shard ? `.shard-${this.shard.index}-of-${this.shard.count}` : '';
    const evidencePath = resolve(dir, withSuffix(this.options.evidenceFile ?? 'traceability.json', suffix));
    this.written = [evidencePath];
    await mkdir(dirname(evidencePath), { recursive: true });
    await writeFile(evidencePath, `${JSON.stringify(evidence, null, 2)}\n`);
    if (this.options.junitFile !== false) {
      const junitPath = resolve(dir, withSuffix(this.options.junitFile ?? 'traceability.junit.xml', suffix));
      await mkdir(dirname(junitPath), { recursive: true });
      await writeFile(junitPath, renderJUnit(this.suitesOf(testModules)));
      this.written.push(junitPath);
    }
  }

  /** The evidence of a finished run; public so other reporters and tests can reuse it. */
  evidenceOf(testModules: ReadonlyArray<TestModule>): RunEvidence {
    const tests: EvidenceTest[] = [];
    const moduleErrors: RunEvidence['moduleErrors'] = [];
    for (const module of testModules) {
      const file = this.relativeFile(module.moduleId);
      const errors = module.errors();
      if (errors.length && module.state() === 'failed')
        moduleErrors.push({ file, message: errors.map((e) => e.message).join('; ') });
      for (const test of module.children.allTests()) tests.push(this.testOf(test, file));
    }
    return {
      schemaVersion: EVIDENCE_SCHEMA_VERSION,
      kind: 'incluster-trace-evidence',
      createdAt: new Date().toISOString(),
      shards: this.shard ? [`${this.shard.index}/${this.shard.count}`] : [],
      tests,
      moduleErrors,
    };
  }

  private testOf(test: TestCase, file: string): EvidenceTest {
    const result = test.result();
    return {
      file,
      line: test.location?.line,
      fullName: test.fullName,
      project: test.project.name,
      ids: test.tags.filter((tag) => this.format.matches(tag)),
      tags: [...test.tags],
      outcome: result.state,
      durationMs: test.diagnostic()?.duration,
    };
  }

  private suitesOf(testModules: ReadonlyArray<TestModule>): JUnitSuite[] {
    return testModules.map((module) => {
      const file = this.relativeFile(module.moduleId);
      const moduleErrors = module.state() === 'failed' ? module.errors() : [];
      return {
        name: file,
        error: moduleErrors.length ? moduleErrors.map((e) => e.stack ?? e.message).join('\n') : undefined,
        cases: [...module.children.allTests()].map((test) => {
          const result = test.result();
          const error = result.state === 'failed' ? result.errors[0] : undefined;
          return {
            classname: file,
            name: test.fullName,
            file,
            line: test.location?.line,
            seconds: (test.diagnostic()?.duration ?? 0) / 1000,
            requirements: test.tags.filter((tag) => this.format.matches(tag)),
            outcome: result.state,
            failure: error
              ? { message: error.message, type: error.name, details: error.stack ?? error.message }
              : undefined,
          };
        }),
      };
    });
  }

  private relativeFile(moduleId: string): string {
    return relative(this.root, moduleId).split('\\').join('/');
  }
}

function withSuffix(name: string, suffix: string): string {
  if (!suffix) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}${suffix}${name.slice(dot)}` : `${name}${suffix}`;
}
