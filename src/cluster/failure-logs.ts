// Where the logs of a failed `up` go, and the one function that puts them there (FR-006). One rule
// for every provider, so a CI job knows the path whatever ran: `<artifacts.dir>/<provider>-logs/`
// (test-results/kind-logs/, test-results/local-logs/, test-results/existing-logs/). Providers only
// say how to write their logs into a directory (ClusterProvider.exportLogs); they never pick it.
import { join } from 'node:path';
import type { ProviderName } from '../provider-names.ts';
import type { ClusterProvider, ProviderContext } from './provider.ts';

/** How long an export may take; it runs even after an interrupt, so it must end on its own. */
const EXPORT_TIMEOUT_MS = 2 * 60_000;

/** The directory a failed step's logs are exported to: `<artifactsDir>/<provider>-logs`. */
export function failureLogsDir(artifactsDir: string, provider: ProviderName): string {
  return join(artifactsDir, `${provider}-logs`);
}

/** Where the logs went, or why they could not be written there. */
export type FailureLogs = { ok: true; dir: string } | { ok: false; dir: string; error: string };

/**
 * Exports `provider`'s logs into failureLogsDir after a failed step. Never throws: the step's own
 * error is what the user must see. Runs with a signal of its own, so an interrupted `up` still
 * leaves its logs behind.
 */
export async function exportFailureLogs(
  provider: Pick<ClusterProvider, 'name' | 'exportLogs'>,
  ctx: ProviderContext,
): Promise<FailureLogs> {
  const dir = failureLogsDir(ctx.artifactsDir, provider.name);
  try {
    await provider.exportLogs({ ...ctx, signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS) }, dir);
    return { ok: true, dir };
  } catch (error) {
    return { ok: false, dir, error: error instanceof Error ? error.message : String(error) };
  }
}
