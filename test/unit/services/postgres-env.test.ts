// The runner pod's PostgreSQL variables: libpq's standard names and DATABASE_URL beside POSTGRES_*,
// credentials only by secretKeyRef, and every `$(NAME)` naming a variable declared before it.
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { runnerJob, type RunnerSpec } from '../../../src/runner/job.ts';
import { unexpandedReferences } from '../../../src/services/contract.ts';
import { postgresContract } from '../../../src/services/postgres.ts';
import { serviceContracts } from '../../../src/services/registry.ts';

type Env = { name: string; value?: string; valueFrom?: unknown }[];

function podEnv(config = configSchema.parse({}), secrets = new Set(['postgres-credentials'])): Env {
  const spec: RunnerSpec = {
    runId: 'r1',
    namespace: 'incluster-run-r1',
    servicesNamespace: config.namespace,
    clusterName: 'floe-test',
    image: 'runner:0123456789abcdef',
    imagePullPolicy: 'Never',
    command: ['npx', 'vitest', 'run'],
    runnerArgs: [],
    shards: 1,
    timeoutSeconds: 60,
    ttlSeconds: 60,
    resources: config.runner.resources,
    artifactsSizeLimit: '1Gi',
    env: [],
    rbac: [],
    services: serviceContracts(config, { secrets }),
  };
  const job = runnerJob(spec) as unknown as {
    spec: { template: { spec: { containers: { env: Env }[] } } };
  };
  return job.spec.template.spec.containers[0]!.env;
}

describe('PostgreSQL connection variables', { tags: ['001-FR-080'] }, () => {
  test('libpq variables and DATABASE_URL are set beside POSTGRES_*', () => {
    const env = new Map(podEnv().map((e) => [e.name, e]));
    expect(env.get('PGHOST')?.value).toBe('postgres.floe-test.svc.cluster.local');
    expect(env.get('PGPORT')?.value).toBe('5432');
    expect(env.get('PGDATABASE')?.value).toBe('app');
    expect(env.get('PGSSLMODE')?.value).toBe('disable');
    expect(env.get('PGUSER')?.valueFrom).toEqual({
      secretKeyRef: { name: 'postgres-credentials', key: 'username' },
    });
    expect(env.get('PGPASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'postgres-credentials', key: 'password' },
    });
    expect(env.get('DATABASE_URL')?.value).toBe(
      'postgresql://$(PGUSER):$(PGPASSWORD)@$(PGHOST):$(PGPORT)/$(PGDATABASE)?sslmode=disable',
    );
    for (const name of [
      'POSTGRES_HOST',
      'POSTGRES_PORT',
      'POSTGRES_DB',
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
    ])
      expect(env.has(name), name).toBe(true);
  });

  test('credentials only travel by secretKeyRef', () => {
    for (const e of podEnv())
      if (/PASSWORD|USER/.test(e.name)) expect(e.valueFrom, e.name).toHaveProperty('secretKeyRef');
  });

  test('DATABASE_URL refers only to variables declared before it (Kubernetes expands in order)', () => {
    const env = podEnv();
    expect(unexpandedReferences(env)).toEqual([]);
    const url = env.findIndex((e) => e.name === 'DATABASE_URL');
    for (const name of ['PGUSER', 'PGPASSWORD', 'PGHOST', 'PGPORT', 'PGDATABASE'])
      expect(env.findIndex((e) => e.name === name)).toBeLessThan(url);
  });

  test('the configured service, port and database are what the variables say', () => {
    const config = configSchema.parse({
      namespace: 'svc',
      postgres: { service: 'db', port: 6543, database: 'orders', secret: 'db-creds' },
    });
    const env = new Map(podEnv(config, new Set(['db-creds'])).map((e) => [e.name, e]));
    expect(env.get('PGHOST')?.value).toBe('db.svc.svc.cluster.local');
    expect(env.get('PGPORT')?.value).toBe('6543');
    expect(env.get('PGDATABASE')?.value).toBe('orders');
    expect(env.get('PGUSER')?.valueFrom).toEqual({ secretKeyRef: { name: 'db-creds', key: 'username' } });
  });

  test('the contract names its Service, port and a protocol-level readiness', () => {
    const contract = postgresContract(configSchema.parse({}).postgres, {
      namespace: 'floe-test',
      credentials: true,
    });
    expect(contract).toMatchObject({
      name: 'postgres',
      service: 'postgres',
      namespace: 'floe-test',
      ports: [{ name: 'postgres', port: 5432 }],
      readiness: 'postgres',
    });
  });
});

describe('the $(NAME) order rule', { tags: ['001-FR-081'] }, () => {
  test('a reference to a later or unknown variable is reported; $$(NAME) is a literal', () => {
    expect(
      unexpandedReferences([
        { name: 'URL', value: 'http://$(HOST):$(PORT)' },
        { name: 'HOST', value: 'x' },
        { name: 'LITERAL', value: 'cost $$(HOST)' },
      ]),
    ).toEqual([
      'URL refers to $(HOST), which is declared after it and would stay literal',
      'URL refers to $(PORT), which is not declared',
    ]);
  });
});
