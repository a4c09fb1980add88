// A run's fair share of a shared cluster. Right after its namespace: a LimitRange (every container
// gets requests and limits, also a chart's that set none) and, when the config gives one, its
// ResourceQuota, so the run's own services are held to it too. Before the Job: whether its pods can
// run at all. A pod that asks for more than any node can give, or a Job that does not fit in what
// the quota leaves, would wait until its deadline (a quota's refusals are only events); the run
// says so at once, with the numbers. With `quota: auto` the quota is then set to exactly what the
// run's pods ask for: its services as they run and its shards.
import type { V1Pod } from '@kubernetes/client-node';
import { InfrastructureError, UsageError } from '../../errors.ts';
import { formatBytes, formatCpu } from '../../kube/quantity.ts';
import {
  add,
  describeResources,
  exceeding,
  limitRange,
  NO_RESOURCES,
  podResources,
  quotaHard,
  quotaResources,
  resourceQuota,
  times,
  type Resources,
} from '../fair-share.ts';
import { runnerJob, type RunnerSpec } from '../job.ts';
import type { RunContext } from '../run-context.ts';
import type { ClusterFacts } from './inspect-cluster.ts';

/** The LimitRange, and a quota the config spells out, in the run's fresh namespace. */
export async function limitNamespace(ctx: RunContext): Promise<void> {
  const { config, signal, status } = ctx.options;
  const spec = { namespace: ctx.namespace, runId: ctx.runId };
  const { quota } = config.runner;
  const objects = [limitRange(spec, config.runner.limitRange)];
  if (typeof quota === 'object') objects.push(resourceQuota(spec, quota));
  await status.phase(
    `Limiting namespace ${ctx.namespace} (LimitRange${typeof quota === 'object' ? ', ResourceQuota' : ''})`,
    () => ctx.ledger.apply(objects, signal),
  );
}

/**
 * Checks that the Job's pods can be scheduled and fit the quota, before it is created; sets the
 * quota of `quota: auto` once the run's own services run.
 */
export async function fitRunnerPods(ctx: RunContext, cluster: ClusterFacts, spec: RunnerSpec): Promise<void> {
  const { config, signal, status } = ctx.options;
  const defaults = config.runner.limitRange;
  const template = (runnerJob(spec).spec as { template: { spec: Parameters<typeof podResources>[0] } })
    .template;
  const pod = podResources(template.spec, defaults);
  const largest = cluster.capacity.reduce(
    (a, b) => (b.cpu * 1e12 + b.memory > a.cpu * 1e12 + a.memory ? b : a),
    {
      name: '',
      cpu: 0,
      memory: 0,
    },
  );
  const fits = cluster.capacity.some(
    (node) => node.cpu >= pod.requestsCpu && node.memory >= pod.requestsMemory,
  );
  // No node list (a user who may not list nodes) proves nothing either way.
  if (cluster.capacity.length > 0 && !fits)
    throw new InfrastructureError(
      'Unschedulable',
      `each runner pod asks for cpu ${formatCpu(pod.requestsCpu)} and memory ${formatBytes(pod.requestsMemory)}, more than any node can give (the largest, ${largest.name}: cpu ${formatCpu(largest.cpu)}, memory ${formatBytes(largest.memory)} allocatable)`,
      { hint: 'lower runner.resources.requests, or add a larger node' },
    );
  const quota = config.runner.quota;
  if (quota === 'none') return;
  const runner = times(pod, spec.shards);
  const services = ctx.ownServices ? await runningPods(ctx, defaults) : NO_RESOURCES;
  if (quota === 'auto') {
    const hard = quotaHard(add(services, runner));
    await status.phase(`Setting the quota of ${ctx.namespace} to what the run asks for`, () =>
      ctx.ledger.apply([resourceQuota({ namespace: ctx.namespace, runId: ctx.runId }, hard)], signal),
    );
    return;
  }
  const room = quotaResources(quota);
  const left: Resources = {
    requestsCpu: room.requestsCpu - services.requestsCpu,
    requestsMemory: room.requestsMemory - services.requestsMemory,
    limitsCpu: room.limitsCpu - services.limitsCpu,
    limitsMemory: room.limitsMemory - services.limitsMemory,
    pods: room.pods - services.pods,
  };
  const over = exceeding(runner, left);
  if (over.length > 0)
    throw new UsageError(
      `runner.quota is too small for the run: its ${spec.shards} runner pod${spec.shards === 1 ? '' : 's'} need ${describeResources(runner, over)}, and the quota leaves ${describeResources(left, over)}${ctx.ownServices ? ' beside the run’s own services' : ''}`,
      { hint: 'raise runner.quota, lower runner.resources or --shards, or set runner.quota: auto' },
    );
}

/** What the pods already in the run's namespace (its own services) ask for. */
async function runningPods(
  ctx: RunContext,
  defaults: RunContext['options']['config']['runner']['limitRange'],
) {
  const pods = await ctx.client.core.listNamespacedPod({ namespace: ctx.namespace });
  return pods.items
    .filter((pod: V1Pod) => !['Succeeded', 'Failed'].includes(pod.status?.phase ?? ''))
    .map((pod) => podResources(pod.spec as Parameters<typeof podResources>[0], defaults))
    .reduce(add, NO_RESOURCES);
}
