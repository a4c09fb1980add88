// The built-in PostgreSQL's contract: the Service `up` deploys from testing/k8s/services/postgres.yaml
// and the variables the runner pod gets for it. Besides incluster's own POSTGRES_*, libpq's
// standard PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE and a DATABASE_URL, which
// node-postgres (`new pg.Pool()`), psql, psycopg and most ORMs read with no configuration at all.
import type { Config } from '../config/schema.ts';
import { POSTGRES_SECRET_KEYS } from './postgres-credentials.ts';
import { serviceHost, type EnvVar, type ServiceContract } from './contract.ts';
import { CA_FILE, CA_MOUNT_DIR, SERVICES_CA } from './postgres-tls.ts';

/** What the contract depends on beyond the config. */
export interface PostgresContractOptions {
  /** The services' namespace (config.namespace). */
  namespace: string;
  /** Whether the credentials Secret is there to reference; without it no user or password is exported. */
  credentials: boolean;
  /** Whether the CA certificate (ConfigMap incluster-ca) is there to mount: TLS with verify-full. */
  tls?: boolean;
}

/** The PostgreSQL service's contract. */
export function postgresContract(
  postgres: Config['postgres'],
  options: PostgresContractOptions,
): ServiceContract {
  const contract = { service: postgres.service, namespace: options.namespace };
  const host = serviceHost(contract);
  const port = String(postgres.port);
  const secret = (name: string, key: string): EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: postgres.secret, key } },
  });
  const env: EnvVar[] = [
    { name: 'POSTGRES_HOST', value: host },
    { name: 'POSTGRES_PORT', value: port },
    { name: 'POSTGRES_DB', value: postgres.database },
  ];
  if (options.credentials)
    env.push(
      secret('POSTGRES_USER', POSTGRES_SECRET_KEYS.username),
      secret('POSTGRES_PASSWORD', POSTGRES_SECRET_KEYS.password),
    );
  env.push(
    { name: 'PGHOST', value: host },
    { name: 'PGPORT', value: port },
    { name: 'PGDATABASE', value: postgres.database },
  );
  if (options.credentials)
    env.push(
      secret('PGUSER', POSTGRES_SECRET_KEYS.username),
      secret('PGPASSWORD', POSTGRES_SECRET_KEYS.password),
    );
  const sslmode = options.tls ? 'verify-full' : 'disable';
  env.push({ name: 'PGSSLMODE', value: sslmode });
  if (options.tls)
    env.push(
      { name: 'PGSSLROOTCERT', value: CA_FILE },
      // Node.js reads no PGSSLROOTCERT: this makes `new pg.Pool()` trust the CA too (verify-full).
      { name: 'NODE_EXTRA_CA_CERTS', value: CA_FILE },
    );
  const ssl = options.tls ? `sslmode=${sslmode}&sslrootcert=${CA_FILE}` : `sslmode=${sslmode}`;
  // Composed by Kubernetes from the variables above (declared first, as `$(NAME)` requires), so the
  // password reaches the pod only by secretKeyRef. incluster's generated credentials are URL-safe.
  const userinfo = options.credentials ? '$(PGUSER):$(PGPASSWORD)@' : '';
  env.push({
    name: 'DATABASE_URL',
    value: `postgresql://${userinfo}$(PGHOST):$(PGPORT)/$(PGDATABASE)?${ssl}`,
  });
  return {
    name: 'postgres',
    ...contract,
    ports: [{ name: 'postgres', port: postgres.port }],
    readiness: 'postgres',
    env,
    ...(options.tls ? { mounts: [{ configMap: SERVICES_CA, path: CA_MOUNT_DIR }] } : {}),
  };
}
