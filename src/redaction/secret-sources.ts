// Where the Vitest main process learns secret values before any test prints one: environment
// variables named like credentials (how the runner pod receives the PostgreSQL password, since its
// ServiceAccount cannot read Secrets), and the Secrets incluster.config.yaml names, read with the
// local kube credentials when a cluster answers. Neither may fail or noticeably slow a run.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as KubeClientModule from '../kube/client.ts';
import { describeErrorBriefly } from '../errors.ts';
import { hasKubeCredentials } from '../kube/credentials.ts';
import type { Redactor } from './redactor.ts';

/**
 * The kube client module, by a URL computed at run time: Vite bundles a config file with every
 * module it can see it import, dynamic imports included, which would load the Kubernetes client on
 * every Vitest start. `.ts` beside the sources, `.js` in the package.
 */
const KUBE_CLIENT_MODULE = new URL(
  `../kube/client${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
).href;

/** Variable names that say they hold a credential (PGPASSWORD, NPM_TOKEN, AWS_SECRET_ACCESS_KEY, …). */
const CREDENTIAL_NAME =
  /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL/i;

/** Values that a credential-named variable may hold without being a secret: flags, numbers, paths. */
const NOT_A_SECRET =
  /^(?:true|false|yes|no|on|off|null|undefined|none|\d+)$|^(?:\/|~\/|\.\.?\/|[A-Za-z]:\\)/i;

/** The values of credential-named variables, skipping flags, numbers, paths and short values. */
export function credentialEnvValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => CREDENTIAL_NAME.test(name) && value !== undefined)
    .map(([, value]) => value!.trim())
    .filter((value) => value.length >= 6 && !NOT_A_SECRET.test(value));
}

/** A Secret to read at start, by namespace and name. */
export interface SecretReference {
  namespace: string;
  name: string;
}

/** Which Secrets were read, and why the others were not (for a caller that wants to say so). */
export interface SecretReadOutcome {
  read: string[];
  skipped?: string;
}

/**
 * Reads each Secret through a kube client that registers its values with `redactor`. Any failure
 * (no credentials, unreachable, 403 for a runner ServiceAccount) only skips: patterns and the
 * environment still apply. One attempt per Secret, bounded by `timeoutMs` in total.
 */
export async function readSecretValues(
  refs: readonly SecretReference[],
  redactor: Redactor,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<SecretReadOutcome> {
  const env = options.env ?? process.env;
  if (refs.length === 0) return { read: [] };
  if (!hasKubeCredentials(env)) return { read: [], skipped: 'no Kubernetes credentials' };
  const signal = AbortSignal.timeout(options.timeoutMs ?? 5000);
  try {
    // Loaded only here: runs without a cluster never pay for the Kubernetes client.
    const { createKubeClient } = (await import(
      /* @vite-ignore */ KUBE_CLIENT_MODULE
    )) as typeof KubeClientModule;
    const client = createKubeClient({ env, redactor, retry: { attempts: 1, signal } });
    const results = await Promise.allSettled(
      refs.map((ref) =>
        client.request(
          'GET',
          `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/secrets/${encodeURIComponent(ref.name)}`,
          { signal },
        ),
      ),
    );
    const read = refs
      .filter((_, i) => results[i]?.status === 'fulfilled')
      .map((r) => `${r.namespace}/${r.name}`);
    const failed = results.find((r) => r.status === 'rejected');
    return failed ? { read, skipped: describeErrorBriefly(failed.reason) } : { read };
  } catch (error) {
    return { read: [], skipped: describeErrorBriefly(error) };
  }
}
