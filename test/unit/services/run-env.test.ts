// What `incluster run` decides about the runner's environment before creating the Job: a $(NAME)
// Kubernetes would leave as literal text stops the run (exit 2); one naming an earlier variable
// (incluster's own included) is fine.
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { runnerSpec } from '../../../src/runner/phases/launch-job.ts';
import type { ImagePlan } from '../../../src/runner/image-plan.ts';
import type { RunContext } from '../../../src/runner/run-context.ts';

function specFor(env: Record<string, unknown>) {
  const config = configSchema.parse({ runner: { env } });
  const ctx = {
    options: { config },
    servicesConfig: config,
    runId: 'r1',
    namespace: 'incluster-run-r1',
    shards: 1,
  } as unknown as RunContext;
  const image = {
    pods: { reference: 'runner:0123456789abcdef', pullPolicy: 'Never' },
  } as unknown as ImagePlan;
  return runnerSpec(ctx, image, { secrets: new Set(['postgres-credentials']), configMaps: new Set() });
}

describe('the runner environment at run time', { tags: ['001-FR-081'] }, () => {
  test('a value naming an earlier variable, incluster’s or the user’s, is accepted', () => {
    const spec = specFor({ A: 'x', B: '$(A)-$(PGHOST)-$(INCLUSTER_RUN_ID)' });
    expect(spec.env.map((e) => e.name)).toEqual(['A', 'B']);
  });

  test('a later or unknown variable stops the run with a usage error naming both', () => {
    expect(() => specFor({ B: '$(A)', A: 'x' })).toThrow(
      /B refers to \$\(A\), which is declared after it and would stay literal/,
    );
    const error = (() => {
      try {
        specFor({ URL: 'http://$(NOPE)' });
      } catch (caught) {
        return caught as { exitStatus: number; message: string };
      }
    })();
    expect(error).toMatchObject({ exitStatus: 2 });
    expect(error?.message).toContain('URL refers to $(NOPE), which is not declared');
  });
});
