// Phase 6: the Indexed Job, one pod per shard, from everything the earlier phases decided.
import { wholeSeconds } from '../../duration.ts';
import { UsageError } from '../../errors.ts';
import { unexpandedReferences } from '../../services/contract.ts';
import { envFromConfig } from '../../services/declared.ts';
import { serviceContracts } from '../../services/registry.ts';
import { verboseLine } from '../../verbose/log.ts';
import { RUNNER_NAME, runnerEnvironment, runnerJob, shardFilesConfigMap, type RunnerSpec } from '../job.ts';
import type { ImagePlan } from '../image-plan.ts';
import type { RunContext } from '../run-context.ts';
import type { SharedObjects } from './grant-access.ts';
import type { Sharding } from './plan-shards.ts';

/**
 * The Job's inputs: the run's names, the config's runner section, the image plan, and the services'
 * contracts (given the Secrets shared into the run namespace). A `$(NAME)` that Kubernetes would
 * leave as literal text (a later or unknown variable) is a config error, found here.
 */
export function runnerSpec(
  ctx: RunContext,
  image: ImagePlan,
  shared: SharedObjects,
  sharding: Sharding = { by: 'count', shards: ctx.shards },
): RunnerSpec {
  const { config } = ctx.options;
  const services = serviceContracts(ctx.servicesConfig, shared);
  const spec: RunnerSpec = {
    runId: ctx.runId,
    namespace: ctx.namespace,
    servicesNamespace: ctx.servicesConfig.namespace,
    clusterName: config.cluster.name,
    image: image.pods.reference,
    imagePullPolicy: image.pods.pullPolicy,
    command: config.runner.command,
    runnerArgs: ctx.options.runnerArgs ?? [],
    shards: sharding.shards,
    shardFiles: sharding.by === 'time' ? sharding.planned.map((shard) => shard.files) : undefined,
    timeoutSeconds: ctx.options.timeoutSeconds ?? wholeSeconds(config.runner.timeout),
    ttlSeconds: wholeSeconds(config.runner.ttlAfterFinished),
    resources: config.runner.resources,
    artifactsSizeLimit: config.runner.artifactsSizeLimit,
    env: envFromConfig(config.runner.env),
    rbac: config.runner.rbac,
    services,
    syncSources: image.sources !== undefined,
  };
  const { env, replaced } = runnerEnvironment(spec);
  // The user's value won: said under --verbose, so a variable that differs from the service's is explained.
  for (const variable of replaced)
    verboseLine(
      `runner.env.${variable.name} replaces the ${variable.declaredBy === 'incluster' ? "runner's default" : `${variable.declaredBy} service's`} ${variable.name}`,
    );
  const problems = unexpandedReferences(env as { name: string; value?: unknown }[]);
  if (problems.length > 0)
    throw new UsageError(`the runner's environment: ${problems.join('; ')}`, {
      hint: 'a value may use $(NAME) only for a variable declared before it; write $$(NAME) for the literal text',
    });
  return spec;
}

/**
 * Creates the Job (runnerJob of the spec, or `job` made from it, as a watch session's is) and, balanced
 * by time, the ConfigMap of its shards' file lists.
 */
export async function launchJob(ctx: RunContext, spec: RunnerSpec, job = runnerJob(spec)): Promise<void> {
  const shards = `${spec.shards} shard${spec.shards === 1 ? '' : 's'}`;
  const objects = spec.shardFiles ? [shardFilesConfigMap(spec, spec.shardFiles)] : [];
  await ctx.options.status.phase(`Creating Job ${ctx.namespace}/${RUNNER_NAME} (${shards})`, () =>
    ctx.ledger.apply([...objects, job], ctx.options.signal),
  );
}
