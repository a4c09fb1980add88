// What the existing provider needs: a kubeconfig whose context answers.
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { InclusterError } from '../../../errors.ts';
import { presentedCertificate } from '../../../kube/certificate.ts';
import { unreachable } from '../../../kube/client.ts';
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
    // The client's own words: an expired certificate (server's or ours) rather than `fetch failed`.
    const files = options.kubeconfig ? [options.kubeconfig] : kubeconfigFilesOf();
    const explained = unreachable(
      { server: cluster.server, source: { kind: 'kubeconfig', files, context }, config: kc },
      error,
      await presentedCertificate(cluster.server, error),
    );
    checks.push({
      name: 'api server',
      ok: false,
      detail: explained.message,
      fix:
        (explained instanceof InclusterError && explained.hint) ||
        'start the cluster or pick another context',
    });
  }
  return diagnosis('existing', checks);
}

/** The files loadFromDefault reads, for naming them in the fix. */
function kubeconfigFilesOf(): string[] {
  const fromEnv = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return fromEnv.length > 0 ? fromEnv : [join(homedir(), '.kube', 'config')];
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
