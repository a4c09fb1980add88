// The postgres fixture reads, in the runner pod, the same libpq variables `incluster run` sets.
import { describe, expect, test } from 'vitest';
import { postgresFromEnv } from '../../../src/vitest/postgres.ts';

const HOST = 'postgres.floe-test.svc.cluster.local';

describe('the postgres fixture in the runner pod', { tags: ['001-FR-082'] }, () => {
  test('uses PGUSER, PGPASSWORD and PGDATABASE when PGHOST and PGPORT name the service', () => {
    const env = { PGHOST: HOST, PGPORT: '5432', PGUSER: 'app', PGPASSWORD: 'pw', PGDATABASE: 'orders' };
    expect(postgresFromEnv(HOST, 5432, env)).toEqual({ username: 'app', password: 'pw', database: 'orders' });
  });

  test('reads the Secret instead for another service, or without credentials', () => {
    const env = { PGHOST: HOST, PGPORT: '5432', PGUSER: 'app', PGPASSWORD: 'pw' };
    expect(postgresFromEnv('other.floe-test.svc.cluster.local', 5432, env)).toBeUndefined();
    expect(postgresFromEnv(HOST, 5433, env)).toBeUndefined();
    expect(postgresFromEnv(HOST, 5432, { PGHOST: HOST })).toBeUndefined();
  });
});
