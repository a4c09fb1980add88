// The database connection from the environment the cluster gives the service (and its tests):
// the Service's DNS name and port, and credentials from a Secret by secretKeyRef.
import pg from 'pg';

/** The variables the service reads; all required except the port. */
export const DATABASE_ENV = [
  'POSTGRES_HOST',
  'POSTGRES_PORT',
  'POSTGRES_DB',
  'POSTGRES_USER',
  'POSTGRES_PASSWORD',
] as const;

/** Connection settings from the environment; throws naming every missing variable. */
export function databaseConfig(env: NodeJS.ProcessEnv): pg.PoolConfig {
  const missing = DATABASE_ENV.filter((name) => name !== 'POSTGRES_PORT' && !env[name]);
  if (missing.length > 0) throw new Error(`missing database settings: ${missing.join(', ')}`);
  const port = Number(env.POSTGRES_PORT ?? '5432');
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`POSTGRES_PORT must be a port number, got \`${env.POSTGRES_PORT}\``);
  return {
    host: env.POSTGRES_HOST,
    port,
    database: env.POSTGRES_DB,
    user: env.POSTGRES_USER,
    password: env.POSTGRES_PASSWORD,
    max: 5,
    connectionTimeoutMillis: 10_000,
  };
}

/** A connection pool for the configured database. */
export function createPool(env: NodeJS.ProcessEnv, options: pg.PoolConfig = {}): pg.Pool {
  return new pg.Pool({ ...databaseConfig(env), ...options });
}
