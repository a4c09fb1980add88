// What the existing provider needs: a kubeconfig whose context answers. The probe is what `auto`
// asks, the diagnosis what `doctor` reports.
import { KubeConfig } from '@kubernetes/client-node';
import { describeErrorBriefly, InclusterError } from '../../../errors.ts';
import { createKubeClient } from '../../../kube/client.ts';
import { diagnosis, type Check, type ProbeResult, type ProviderDiagnosis } from '../../prerequisites.ts';

/** Whether the configured (or current) kubeconfig context answers; one quick attempt. */
export async function probeExisting(
  options: { kubeconfig?: string; context?: string },
  env: NodeJS.ProcessEnv,
): Promise<ProbeResult> {
  try {
    const client = createKubeClient({
      kubeconfig: options.kubeconfig,
      context: options.context,
      env,
      retry: { attempts: 1 },
    });
    const version = await client.ping(AbortSignal.timeout(5000));
    const context = client.source.kind === 'kubeconfig' ? client.source.context : 'in-cluster';
    return {
      ok: true,
      why: `kubeconfig context \`${context}\` answers (${client.server}, ${version.gitVersion})`,
    };
  } catch (error) {
    return { ok: false, why: `no kubeconfig context answers (${describeErrorBriefly(error)})` };
  }
}

/** Diagnoses the existing provider: a kubeconfig, a current context, an API server that answers. */
export async function diagnoseExisting(
  options: { kubeconfig?: string; context?: string } = {},
): Promise<ProviderDiagnosis> {
  const checks: Check[] = [];
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
    if (options.context) kc.setCurrentContext(options.context);
  } catch (error) {
    checks.push({
      name: 'kubeconfig',
      ok: false,
      detail: (error as Error).message,
      fix: 'set KUBECONFIG or the existing.kubeconfig field',
    });
    return diagnosis('existing', checks);
  }
  const context = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (!context || !cluster || cluster.server === 'http://localhost:8080') {
    checks.push({
      name: 'kubeconfig',
      ok: false,
      detail: 'no current context',
      fix: 'kubectl config use-context NAME, or set KUBECONFIG',
    });
    return diagnosis('existing', checks);
  }
  checks.push({ name: 'kubeconfig', ok: true, detail: `context ${context}` });
  try {
    // The client's ping explains a failure as every command does: which server, an expired
    // certificate (server's or ours) with its date, not `fetch failed`. One attempt: a diagnosis
    // should answer in seconds.
    const client = createKubeClient({
      kubeconfig: options.kubeconfig,
      context: options.context,
      retry: { attempts: 1 },
    });
    const version = await client.ping(AbortSignal.timeout(5000));
    checks.push({ name: 'api server', ok: true, detail: `${cluster.server} (${version.gitVersion})` });
  } catch (error) {
    checks.push({
      name: 'api server',
      ok: false,
      detail: error instanceof Error ? error.message : String(error),
      fix: (error instanceof InclusterError && error.hint) || 'start the cluster or pick another context',
    });
  }
  return diagnosis('existing', checks);
}
