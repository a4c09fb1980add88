// incluster's own CI gate (scripts/test-all.sh) runs strict: a requirement counts only when a test
// of it passed. Shown the way it would break: the offline kind lifecycle suites are the only proof
// of some requirements and run only when INCLUSTER_KIND_OFFLINE_E2E=1; run without that variable,
// they skip, and the gate over the whole suite's evidence must fail naming those requirements.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createVitest } from 'vitest/node';
import { readEvidence, type RunEvidence } from '../../../src/trace/evidence.ts';
import { reportSchema, type TraceReport } from '../../../src/trace/report-schema.ts';
import { RequirementsReporter } from '../../../src/trace/reporter.ts';
import { runCliCaptured } from '../../support/cli.ts';

const root = resolve(import.meta.dirname, '../../..');
const SCRIPT = join(root, 'scripts/test-all.sh');
/** The suites behind the variable, and what only they prove. */
const GATED = [
  'test/lifecycle/kind-offline.test.ts',
  'test/lifecycle/kind-demo.test.ts',
  'test/lifecycle/kind-shards.test.ts',
];
const VARIABLE = 'INCLUSTER_KIND_OFFLINE_E2E';

/** Runs the gated suites as the lifecycle stage would, with the variable dropped; their evidence. */
async function runGatedSuitesWithout(variable: string, outputDir: string): Promise<RunEvidence> {
  const saved = process.env[variable];
  delete process.env[variable]; // the nested run's workers inherit this environment
  const exitCode = process.exitCode;
  const reporter = new RequirementsReporter({ outputDir });
  try {
    const vitest = await createVitest('test', {
      root,
      project: ['lifecycle'],
      watch: false,
      reporters: [reporter],
    });
    try {
      await vitest.start(GATED);
    } finally {
      await vitest.close();
    }
  } finally {
    if (saved === undefined) delete process.env[variable];
    else process.env[variable] = saved;
    process.exitCode = exitCode;
  }
  return readEvidence(join(outputDir, 'traceability.json'));
}

async function trace(args: string[]): Promise<{ status: number; report: TraceReport }> {
  const { status, out, err } = await runCliCaptured(['trace', '--format', 'json', ...args], { cwd: root });
  expect(out, err).not.toBe('');
  return { status, report: reportSchema.parse(JSON.parse(out)) };
}

/** Evidence that every other collected test passed: the rest of CI, green. */
function passedEvidence(report: TraceReport, keep: (file: string) => boolean): RunEvidence {
  return {
    schemaVersion: 1,
    kind: 'incluster-trace-evidence',
    createdAt: new Date().toISOString(),
    shards: [],
    moduleErrors: [],
    tests: report.tests
      .filter((t) => keep(t.file) && t.mode !== 'todo')
      .map((t) => ({
        file: t.file,
        line: t.line,
        fullName: t.fullName,
        project: '',
        ids: t.ids,
        tags: t.ids,
        outcome: 'passed',
      })),
  };
}

describe('incluster’s own gate runs strict', { tags: ['001-FR-221'] }, () => {
  test(
    `${VARIABLE} dropped: the offline kind suites skip and the gate fails naming what only they prove`,
    { timeout: 180_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'incluster-strict-gate-'));
      const skipped = await runGatedSuitesWithout(VARIABLE, dir);
      expect(skipped.tests.length).toBeGreaterThan(0);
      expect(new Set(skipped.tests.map((t) => t.outcome))).toEqual(new Set(['skipped']));
      await writeFile(join(dir, 'lifecycle.json'), JSON.stringify(skipped));

      const { report: collected } = await trace([]);
      const gated = (file: string) => GATED.includes(file);
      await writeFile(join(dir, 'rest.json'), JSON.stringify(passedEvidence(collected, (f) => !gated(f))));
      // The requirements every one of whose tests is in the gated suites.
      const onlyThere = collected.requirements
        .filter((r) => r.tests.length > 0 && r.tests.every((i) => gated(collected.tests[i]!.file)))
        .map((r) => r.id);
      expect(onlyThere).toEqual(expect.arrayContaining(['001-FR-103', '001-FR-105']));

      const { status, report } = await trace([
        '--require-passing',
        join(dir, 'rest.json'),
        '--require-passing',
        join(dir, 'lifecycle.json'),
      ]);
      expect(status).toBe(1);
      expect(report.gate.failures).toEqual([
        {
          code: 'unverified-requirements',
          message: `requirements no passing test verified (their tests were skipped or did not run): ${onlyThere.join(', ')}`,
        },
      ]);
      for (const id of onlyThere) {
        const requirement = report.requirements.find((r) => r.id === id)!;
        expect(requirement.verdict).toBe('unverified');
        expect(requirement.tests.map((i) => report.tests[i]!.outcome)).toEqual(
          requirement.tests.map(() => 'skipped'),
        );
      }

      // Control: the same gate with those suites run (their tests passed) passes.
      await writeFile(join(dir, 'lifecycle-ran.json'), JSON.stringify(passedEvidence(collected, gated)));
      const ran = await trace([
        '--require-passing',
        join(dir, 'rest.json'),
        '--require-passing',
        join(dir, 'lifecycle-ran.json'),
      ]);
      expect(ran.report.gate).toEqual({ passed: true, failures: [] });
      expect(ran.status).toBe(0);
    },
  );

  test('scripts/test-all.sh sets the variable, gates on every stage’s evidence without relaxing it, and no stage passes empty', async () => {
    const script = await readFile(SCRIPT, 'utf8');
    const code = script
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    expect(code).toMatch(new RegExp(`${VARIABLE}=1 run_stage "lifecycle tests`));
    expect(code).toMatch(/evidence\+=\(--require-passing "\$file"\)/);
    expect(code).toMatch(/run_stage "traceability gate" cli trace "\$\{evidence\[@\]\}"\n/);
    expect(code).not.toContain('--allow-unverified');
    expect(code).not.toContain('--passWithNoTests');
  });
});
