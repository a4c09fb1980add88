// runner.env against the variables incluster and the services set: the user's explicit value wins
// over a service's (in its place, so what is composed from it follows), incluster's own INCLUSTER_*
// are refused where they are written. The real-cluster proof is in test/integration/services/postgres-tls.test.ts.
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/load.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { ConfigError, ExitStatus, UsageError } from '../../../src/errors.ts';
import { runnerEnvironment, type RunnerSpec } from '../../../src/runner/job.ts';
import { RUNNER_OWN_VARIABLES } from '../../../src/runner-variables.ts';
import { declaredContract } from '../../../src/services/declared.ts';
import { postgresContract } from '../../../src/services/postgres.ts';

const config = configSchema.parse({});
const postgres = postgresContract(config.postgres, { namespace: 'floe-test', credentials: true, tls: true });
const search = declaredContract(
  configSchema.parse({ services: { declared: [{ name: 'search', port: 9200, scheme: 'http' }] } }).services
    .declared[0]!,
  'floe-test',
);

function spec(env: RunnerSpec['env']): RunnerSpec {
  return {
    runId: 'r1',
    namespace: 'incluster-run-r1',
    servicesNamespace: 'floe-test',
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
    env,
    rbac: [],
    services: [postgres, search],
  };
}

const names = (env: Record<string, unknown>[]) => env.map((variable) => variable.name);
const valueOf = (env: Record<string, unknown>[], name: string) => env.find((v) => v.name === name);

describe('runner.env replaces what a service set', { tags: ['001-FR-145'] }, () => {
  test("the user's PGSSLMODE replaces the TLS service's verify-full, once, and is reported", () => {
    const before = runnerEnvironment(spec([])).env;
    expect(valueOf(before, 'PGSSLMODE')).toEqual({ name: 'PGSSLMODE', value: 'verify-full' });
    const { env, replaced } = runnerEnvironment(spec([{ name: 'PGSSLMODE', value: 'disable' }]));
    expect(valueOf(env, 'PGSSLMODE')).toEqual({ name: 'PGSSLMODE', value: 'disable' });
    expect(names(env).filter((name) => name === 'PGSSLMODE')).toHaveLength(1);
    expect(replaced).toEqual([{ name: 'PGSSLMODE', declaredBy: 'postgres' }]);
  });

  test("the replacement keeps the replaced variable's place, so what is composed from it follows", () => {
    const { env } = runnerEnvironment(spec([{ name: 'PGHOST', value: 'pg.example.test' }]));
    // Same order as without the replacement: DATABASE_URL, after PGHOST, expands $(PGHOST) to it.
    expect(names(env)).toEqual(names(runnerEnvironment(spec([])).env));
    expect(names(env).indexOf('PGHOST')).toBeLessThan(names(env).indexOf('DATABASE_URL'));
    expect(valueOf(env, 'PGHOST')).toEqual({ name: 'PGHOST', value: 'pg.example.test' });
  });

  test("a declared service's variable and a secret reference are replaced alike; CI too", () => {
    const { env, replaced } = runnerEnvironment(
      spec([
        { name: 'SEARCH_URL', value: 'http://mock:9200' },
        { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'mine', key: 'pw' } } },
        { name: 'CI', value: 'false' },
        { name: 'FEATURE', value: 'on' },
      ]),
    );
    expect(valueOf(env, 'SEARCH_URL')).toEqual({ name: 'SEARCH_URL', value: 'http://mock:9200' });
    expect(valueOf(env, 'PGPASSWORD')).toEqual({
      name: 'PGPASSWORD',
      valueFrom: { secretKeyRef: { name: 'mine', key: 'pw' } },
    });
    expect(valueOf(env, 'CI')).toEqual({ name: 'CI', value: 'false' });
    expect(names(env).at(-1)).toBe('FEATURE');
    expect(replaced).toEqual([
      { name: 'SEARCH_URL', declaredBy: 'search' },
      { name: 'PGPASSWORD', declaredBy: 'postgres' },
      { name: 'CI', declaredBy: 'incluster' },
    ]);
  });

  test("incluster's own variables are never replaced, even by a programmatic caller", () => {
    expect(() => runnerEnvironment(spec([{ name: 'INCLUSTER_RUN_ID', value: 'x' }]))).toThrow(UsageError);
    expect(() => runnerEnvironment(spec([{ name: 'INCLUSTER_RUN_ID', value: 'x' }]))).toThrow(
      'runner.env.INCLUSTER_RUN_ID',
    );
  });
});

describe("incluster's own variables in the config", { tags: ['001-FR-145'] }, () => {
  function configProblem(text: string): ConfigError {
    try {
      parseConfig(text, '/repo/incluster.config.yaml');
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('the config was accepted');
  }

  test.each(RUNNER_OWN_VARIABLES)('runner.env.%s is a config error (exit 2) naming the field', (name) => {
    const error = configProblem(`runner:\n  env:\n    FEATURE: on\n    ${name}: mine\n`);
    expect(error.exitStatus).toBe(ExitStatus.usage);
    expect(error.message).toContain(`runner.env.${name}`);
    expect(error.message).toContain(':4'); // the line it is written on
  });

  test("a declared service's env cannot set one either; other INCLUSTER_ settings pass", () => {
    const error = configProblem(
      'services:\n  declared:\n    - name: search\n      port: 9200\n      env:\n        INCLUSTER_NAMESPACE: x\n',
    );
    expect(error.message).toContain('services.declared[0].env.INCLUSTER_NAMESPACE');
    const ok = parseConfig(
      'runner:\n  env:\n    INCLUSTER_KEEP_ON_FAILURE: "1"\n    CI: "false"\n',
      '/f.yaml',
    );
    expect(ok.runner.env).toEqual({ INCLUSTER_KEEP_ON_FAILURE: '1', CI: 'false' });
  });
});
