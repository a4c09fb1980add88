// What the existing provider needs: a kubeconfig whose context answers.
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { diagnosis, type Check, type ProviderDiagnosis } from '../../prerequisites.ts';

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
    const version = await withTimeout(kc.makeApiClient(VersionApi).getCode(), 5000);
    checks.push({ name: 'api server', ok: true, detail: `${cluster.server} (${version.gitVersion})` });
  } catch (error) {
    checks.push({
      name: 'api server',
      ok: false,
      detail: `${cluster.server}: ${(error as Error).message}`,
      fix: 'start the cluster or pick another context',
    });
  }
  return diagnosis('existing', checks);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
