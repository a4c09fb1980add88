// Phase 6: the Indexed Job, one pod per shard, from everything the earlier phases decided.
import { wholeSeconds } from '../../duration.ts';
import { RUNNER_NAME, runnerJob, type RunnerSpec } from '../job.ts';
import type { ImagePlan } from '../image-plan.ts';
import type { RunContext } from '../run-context.ts';

/** The Job's inputs: the run's names, the config's runner section and the image plan. */
export function runnerSpec(ctx: RunContext, image: ImagePlan, secret: string | undefined): RunnerSpec {
  const { config } = ctx.options;
  return {
    runId: ctx.runId,
    namespace: ctx.namespace,
    servicesNamespace: config.namespace,
    clusterName: config.cluster.name,
    image: image.pods.reference,
    imagePullPolicy: image.pods.pullPolicy,
    command: config.runner.command,
    runnerArgs: ctx.options.runnerArgs ?? [],
    shards: ctx.shards,
    timeoutSeconds: ctx.options.timeoutSeconds ?? wholeSeconds(config.runner.timeout),
    ttlSeconds: wholeSeconds(config.runner.ttlAfterFinished),
    resources: config.runner.resources,
    artifactsSizeLimit: config.runner.artifactsSizeLimit,
    env: config.runner.env,
    rbac: config.runner.rbac,
    postgres: { ...config.postgres, secret },
    syncSources: image.sources !== undefined,
  };
}

/** Creates the Job. */
export async function launchJob(ctx: RunContext, spec: RunnerSpec): Promise<void> {
  const shards = `${spec.shards} shard${spec.shards === 1 ? '' : 's'}`;
  await ctx.options.status.phase(`Creating Job ${ctx.namespace}/${RUNNER_NAME} (${shards})`, () =>
    ctx.ledger.apply([runnerJob(spec)], ctx.options.signal),
  );
}
