// A service's credentials as the fixtures read them: named keys of one Secret, decoded. One reader,
// so a missing Secret or key is named the same way for every service.
import { InfrastructureError } from '../errors.ts';
import { describeKubeError } from '../kube/api-error.ts';
import type { KubeClient } from '../kube/client.ts';

/** The decoded values of `keys` in Secret `namespace/name`; `what` says whose they are, for errors. */
export async function readSecretValues<K extends string>(
  kube: KubeClient,
  secret: { namespace: string; name: string },
  keys: readonly K[],
  what: string,
): Promise<Record<K, string>> {
  const { namespace, name } = secret;
  let data: Record<string, string> | undefined;
  try {
    data = (await kube.core.readNamespacedSecret({ namespace, name })).data;
  } catch (error) {
    throw new InfrastructureError(
      'SecretUnavailable',
      `reading ${what} from Secret ${namespace}/${name}: ${describeKubeError(error)}`,
      { cause: error },
    );
  }
  const values = {} as Record<K, string>;
  for (const key of keys) {
    const value = data?.[key];
    if (value === undefined)
      throw new InfrastructureError('SecretUnavailable', `Secret ${namespace}/${name} has no key \`${key}\``);
    values[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return values;
}
