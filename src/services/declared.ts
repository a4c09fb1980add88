// Services the user deploys from their own manifests and declares under `services.declared`: each
// exports <NAME>_HOST, <NAME>_PORT, <NAME>_URL (with a scheme) and whatever `env` adds, and is
// found by the generic `service` fixture like the built-in ones.
import type { Config } from '../config/schema.ts';
import { serviceHost, type EnvVar, type ServiceContract } from './contract.ts';

type DeclaredService = Config['services']['declared'][number];
type EnvMap = Config['runner']['env'];

/** `search-api` → `SEARCH_API`: the prefix of a declared service's variables. */
export function variablePrefix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** A config environment map (`runner.env`, a service's `env`) as container variables, in order. */
export function envFromConfig(env: EnvMap): EnvVar[] {
  return Object.entries(env).map(([name, value]) =>
    typeof value === 'string' ? { name, value } : { name, valueFrom: value.valueFrom },
  );
}

/** A declared service's contract. */
export function declaredContract(declared: DeclaredService, namespace: string): ServiceContract {
  const contract = { service: declared.service ?? declared.name, namespace };
  const prefix = variablePrefix(declared.name);
  const env: EnvVar[] = [
    { name: `${prefix}_HOST`, value: serviceHost(contract) },
    { name: `${prefix}_PORT`, value: String(declared.port) },
  ];
  if (declared.scheme)
    env.push({ name: `${prefix}_URL`, value: `${declared.scheme}://$(${prefix}_HOST):$(${prefix}_PORT)` });
  env.push(...envFromConfig(declared.env));
  return {
    name: declared.name,
    ...contract,
    ports: [{ name: declared.name, port: declared.port }],
    readiness: 'tcp',
    env,
  };
}
