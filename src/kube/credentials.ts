// Where Kubernetes credentials come from, in the order every kube client here looks: a pod's
// service account, else $KUBECONFIG's files, else ~/.kube/config. Kept apart from client.ts, which
// loads the whole Kubernetes client, so code that only needs to know whether credentials exist
// (the Vitest reporter at start-up) can ask without that cost.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where a pod's service-account token, CA and namespace are mounted. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** True inside a pod with a mounted service-account token. */
export function runningInPod(env: NodeJS.ProcessEnv = process.env, root = ''): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(`${root}${SERVICE_ACCOUNT_DIR}/token`);
}

/** The kubeconfig files to read, existing or not: $KUBECONFIG's list, else ~/.kube/config. */
export function defaultKubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return fromEnv.length > 0 ? fromEnv : [join(env.HOME ?? homedir(), '.kube', 'config')];
}

/** True when a client would find credentials: a pod's service account, or a kubeconfig file. */
export function hasKubeCredentials(env: NodeJS.ProcessEnv = process.env): boolean {
  return runningInPod(env) || defaultKubeconfigFiles(env).some((file) => existsSync(file));
}
