// The services' credentials Secrets: `up` creates them (random password) before deploying the
// manifests that read them, and the fixtures read them. They live apart from both so the cluster
// lifecycle does not depend on the test fixtures.
import { randomBytes } from 'node:crypto';
import { InfrastructureError } from '../errors.ts';
import { describeKubeError, isConflict, isNotFound } from '../kube/api-error.ts';
import type { KubeClient } from '../kube/client.ts';
import { managedByLabels } from '../ownership.ts';

/** The Secret keys the fixture and the manifests agree on. */
export const POSTGRES_SECRET_KEYS = {
  username: 'username',
  password: 'password',
  database: 'database',
} as const;

/** Creates the credentials Secret with a random password unless it exists; says whether it created it. */
export function ensurePostgresSecret(
  client: KubeClient,
  namespace: string,
  name = 'postgres-credentials',
  defaults: { username?: string; database?: string } = {},
): Promise<{ created: boolean }> {
  return ensureGeneratedSecret(client, namespace, name, (password) => ({
    [POSTGRES_SECRET_KEYS.username]: defaults.username ?? 'app',
    [POSTGRES_SECRET_KEYS.password]: password,
    [POSTGRES_SECRET_KEYS.database]: defaults.database ?? 'app',
  }));
}

/**
 * Creates a Secret whose data `make` builds around a fresh random password (URL-safe, so it can
 * stand in a connection URL as it is), unless the Secret exists: a kept one is never replaced.
 */
export async function ensureGeneratedSecret(
  client: KubeClient,
  namespace: string,
  name: string,
  make: (password: string) => Record<string, string>,
): Promise<{ created: boolean }> {
  try {
    await client.core.readNamespacedSecret({ namespace, name });
    return { created: false };
  } catch (error) {
    if (!isNotFound(error))
      throw new InfrastructureError(
        'SecretUnavailable',
        `reading Secret ${namespace}/${name}: ${describeKubeError(error)}`,
        { cause: error },
      );
  }
  const password = randomBytes(24).toString('base64url');
  client.redactor.add(password);
  try {
    await client.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name, labels: managedByLabels() }, type: 'Opaque', stringData: make(password) },
    });
    return { created: true };
  } catch (error) {
    if (isConflict(error)) return { created: false }; // someone else created it first
    throw new InfrastructureError(
      'SecretUnavailable',
      `creating Secret ${namespace}/${name}: ${describeKubeError(error)}`,
      { cause: error },
    );
  }
}
