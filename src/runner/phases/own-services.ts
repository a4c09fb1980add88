// Phase 3b (services.isolation: run): the run's own services. The built-in PostgreSQL and Redis,
// the configured manifests and the charts are deployed into the run's namespace exactly as `up`
// deploys the shared ones (one implementation: deployServices), with credentials generated for
// this run, and waited for until ready before the Job starts. They need no entry in the ledger:
// releasing the run's namespace removes them, charts' release records included.
import { deployServices } from '../../cluster/lifecycle.ts';
import type { RunContext } from '../run-context.ts';

/** Deploys the run's own services and waits for them; nothing to do with shared services. */
export async function startOwnServices(ctx: RunContext): Promise<string[]> {
  if (!ctx.ownServices) return [];
  const { status, signal, env, access } = ctx.options;
  const config = ctx.servicesConfig;
  return deployServices(
    ctx.client,
    { status, signal, env, config },
    config.services.timeout,
    undefined,
    access,
    {
      namespaceExists: true,
    },
  );
}
