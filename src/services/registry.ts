// Every service of a config, built in or declared, as contracts: the one list `incluster run`
// turns into the runner pod's environment and the fixtures look services up in.
import type { Config } from '../config/schema.ts';
import type { ManifestObject } from '../kube/manifests.ts';
import { UsageError } from '../errors.ts';
import type { EnvVar, ServiceContract } from './contract.ts';
import { declaredContract, envFromConfig } from './declared.ts';
import { postgresContract } from './postgres.ts';
import { SERVICES_CA } from './postgres-tls.ts';
import { redisContract, redisObjects } from './redis.ts';

/** What the contracts depend on beyond the config. */
export interface ContractOptions {
  /**
   * The Secrets of the services' namespace the runner can reference (copied into its namespace);
   * a built-in service whose credentials Secret is missing exports no credentials.
   */
  secrets: ReadonlySet<string>;
  /** The ConfigMaps likewise (the CA certificate a TLS service's clients mount). */
  configMaps?: ReadonlySet<string>;
}

/** The contracts of every configured service, built-in first, in a stable order. */
export function serviceContracts(config: Config, options: ContractOptions): ServiceContract[] {
  const namespace = config.namespace;
  const contracts = [
    postgresContract(config.postgres, {
      namespace,
      credentials: options.secrets.has(config.postgres.secret),
      tls: config.postgres.tls.enabled && (options.configMaps?.has(SERVICES_CA) ?? false),
    }),
    ...(config.redis.enabled
      ? [redisContract(config.redis, { namespace, credentials: options.secrets.has(config.redis.secret) })]
      : []),
    ...config.services.declared.map((declared) => declaredContract(declared, namespace)),
  ];
  const seen = new Set<string>();
  for (const contract of contracts) {
    if (seen.has(contract.name))
      throw new UsageError(`services.declared: the service name \`${contract.name}\` is used twice`);
    seen.add(contract.name);
  }
  return contracts;
}

/** The contract named `name`, or a UsageError listing the names there are. */
export function findContract(contracts: readonly ServiceContract[], name: string): ServiceContract {
  const found = contracts.find((contract) => contract.name === name);
  if (!found)
    throw new UsageError(
      `no service named \`${name}\` in the config (there are: ${contracts.map((c) => c.name).join(', ')})`,
      { hint: 'declare your own under services.declared in incluster.config.yaml' },
    );
  return found;
}

/** A Secret or ConfigMap the user's variables read, and the first variable that reads it. */
export interface ObjectReference {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  /** Every variable reading it says `optional: true`: a missing object is no error. */
  optional: boolean;
  /** `runner.env.API_TOKEN`: where the reference was written. */
  variable: string;
}

/** The Secrets a built-in service's variables read, when they exist (its credentials). */
export function builtInSecrets(config: Config): string[] {
  return [config.postgres.secret, ...(config.redis.enabled ? [config.redis.secret] : [])];
}

/** The ConfigMaps a built-in service's clients mount, when they exist (the CA with TLS). */
export function builtInConfigMaps(config: Config): string[] {
  return config.postgres.tls.enabled ? [SERVICES_CA] : [];
}

/** Every Secret and ConfigMap runner.env and the declared services read, each once. */
export function userEnvReferences(config: Config): ObjectReference[] {
  const sources: [string, EnvVar[]][] = [
    ['runner.env', envFromConfig(config.runner.env)],
    ...config.services.declared.map((declared, index): [string, EnvVar[]] => [
      `services.declared[${index}].env`,
      envFromConfig(declared.env),
    ]),
  ];
  const found = new Map<string, ObjectReference>();
  for (const [where, env] of sources)
    for (const variable of env) {
      if (!('valueFrom' in variable)) continue;
      const [kind, ref] =
        'secretKeyRef' in variable.valueFrom
          ? (['Secret', variable.valueFrom.secretKeyRef] as const)
          : (['ConfigMap', variable.valueFrom.configMapKeyRef] as const);
      const id = `${kind}/${ref.name}`;
      const known = found.get(id);
      if (known) known.optional &&= ref.optional === true;
      else
        found.set(id, {
          kind,
          name: ref.name,
          optional: ref.optional === true,
          variable: `${where}.${variable.name}`,
        });
    }
  return [...found.values()];
}

/** The objects of the enabled built-in services that have no manifest file (Redis), for `up`. */
export function builtInServiceObjects(config: Config): ManifestObject[] {
  if (!config.redis.enabled) return [];
  return redisObjects(config.redis).map((object, index) => ({
    object,
    source: { file: '<built-in redis>', document: index + 1, line: 1 },
  }));
}
