import { describe, expect, test } from 'vitest';
import { databaseConfig } from '../../src/database.ts';

describe('database settings', { tags: ['001-FR-011'] }, () => {
  test('come from the POSTGRES_* variables', () => {
    const config = databaseConfig({
      POSTGRES_HOST: 'postgres.floe-test.svc.cluster.local',
      POSTGRES_PORT: '5433',
      POSTGRES_DB: 'app',
      POSTGRES_USER: 'app',
      POSTGRES_PASSWORD: 'pw',
    });
    expect(config).toMatchObject({
      host: 'postgres.floe-test.svc.cluster.local',
      port: 5433,
      database: 'app',
      user: 'app',
    });
  });

  test('a missing variable is named', () => {
    expect(() => databaseConfig({ POSTGRES_HOST: 'h' })).toThrow(
      'missing database settings: POSTGRES_DB, POSTGRES_USER, POSTGRES_PASSWORD',
    );
    expect(() =>
      databaseConfig({
        POSTGRES_HOST: 'h',
        POSTGRES_DB: 'd',
        POSTGRES_USER: 'u',
        POSTGRES_PASSWORD: 'p',
        POSTGRES_PORT: 'x',
      }),
    ).toThrow('POSTGRES_PORT must be a port number, got `x`');
  });
});
