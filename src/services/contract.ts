// The service contract: what every backing service (the built-in PostgreSQL and Redis, or one the
// user deploys from their own manifests) declares, so that `incluster run` can hand the runner pod
// its connection variables and the fixtures can find the same service from anywhere. Plain data,
// no I/O: the runner turns `env` into the pod's environment, the fixtures read `service`, `ports`
// and `readiness`, and the README lists the variables from the same definitions.

/** A key of a Secret or ConfigMap, as Kubernetes' `secretKeyRef` and `configMapKeyRef` name it. */
export interface KeyRef {
  name: string;
  key: string;
  /** A missing Secret, ConfigMap or key leaves the variable unset instead of failing the pod. */
  optional?: boolean;
}

/** Where a variable's value comes from: a Secret key or a ConfigMap key (never a literal secret). */
export type EnvSource = { secretKeyRef: KeyRef } | { configMapKeyRef: KeyRef };

/**
 * One environment variable of a container. A `value` may name a variable declared before it as
 * `$(NAME)`: Kubernetes expands those references in order, so a URL is composed from credentials
 * that only ever travel by `secretKeyRef`.
 */
export type EnvVar = { name: string; value: string } | { name: string; valueFrom: EnvSource };

/** A port of the service's Kubernetes Service. */
export interface ServicePort {
  name: string;
  port: number;
}

/** How a fixture decides the service answers: at the protocol level where a check exists, else TCP. */
export type Readiness = 'postgres' | 'redis' | 'tcp';

/** What one service declares. */
export interface ServiceContract {
  /** Its name in the config (`postgres`, `redis`, or the user's own). */
  name: string;
  /** The Kubernetes Service in front of it, in the services' namespace. */
  service: string;
  namespace: string;
  /** The first port is the one the variables and the fixtures use. */
  ports: readonly ServicePort[];
  readiness: Readiness;
  /** Exported to the runner pod in this order; `$(NAME)` may refer to an earlier one. */
  env: readonly EnvVar[];
  /** ConfigMaps the runner pod mounts read-only (a CA certificate the variables name). */
  mounts?: readonly { configMap: string; path: string }[];
}

/** The Service's cluster DNS name: what the variables say inside the cluster. */
export function serviceHost(contract: Pick<ServiceContract, 'service' | 'namespace'>): string {
  return `${contract.service}.${contract.namespace}.svc.cluster.local`;
}

/** The port the variables name (the first). */
export function primaryPort(contract: Pick<ServiceContract, 'name' | 'ports'>): number {
  const port = contract.ports[0];
  if (!port) throw new Error(`service ${contract.name} declares no port`);
  return port.port;
}

/**
 * Checks the `$(NAME)` order rule: Kubernetes expands a reference only to a variable declared
 * earlier in the list, and leaves a later or unknown one as literal text. Returns one message per
 * reference that would stay literal (names in `known` are set elsewhere and count as declared).
 * Takes any container env list: entries without a string `value` only declare their name.
 */
export function unexpandedReferences(
  env: readonly { name: string; value?: unknown }[],
  known: readonly string[] = [],
): string[] {
  const declared = new Set(known);
  const problems: string[] = [];
  const all = new Set(env.map((variable) => variable.name));
  for (const variable of env) {
    if (typeof variable.value === 'string') {
      // `$$(NAME)` is the escape for a literal `$(NAME)`.
      for (const match of variable.value.matchAll(/(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        const name = match[1]!;
        if (declared.has(name)) continue;
        problems.push(
          all.has(name)
            ? `${variable.name} refers to $(${name}), which is declared after it and would stay literal`
            : `${variable.name} refers to $(${name}), which is not declared`,
        );
      }
    }
    declared.add(variable.name);
  }
  return problems;
}
