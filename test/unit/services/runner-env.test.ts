// runner.env takes strings and valueFrom (secretKeyRef, configMapKeyRef); the objects it reads are
// found so `incluster run` can copy them into the run's namespace; declared services export theirs.
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { declaredContract, envFromConfig, variablePrefix } from '../../../src/services/declared.ts';
import { findContract, serviceContracts, userEnvReferences } from '../../../src/services/registry.ts';

describe('runner.env', { tags: ['001-FR-081'] }, () => {
  test('accepts strings and secretKeyRef or configMapKeyRef, in the order written', () => {
    const config = configSchema.parse({
      runner: {
        env: {
          API_URL: 'http://$(PGHOST):8080',
          API_TOKEN: { valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
          FLAGS: { valueFrom: { configMapKeyRef: { name: 'flags', key: 'all', optional: true } } },
        },
      },
    });
    expect(envFromConfig(config.runner.env)).toEqual([
      { name: 'API_URL', value: 'http://$(PGHOST):8080' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
      { name: 'FLAGS', valueFrom: { configMapKeyRef: { name: 'flags', key: 'all', optional: true } } },
    ]);
    expect(userEnvReferences(config)).toEqual([
      { kind: 'Secret', name: 'api', optional: false, variable: 'runner.env.API_TOKEN' },
      { kind: 'ConfigMap', name: 'flags', optional: true, variable: 'runner.env.FLAGS' },
    ]);
  });

  test('rejects a literal value object, an unknown reference kind and a bad name', () => {
    for (const env of [
      { A: { value: 'x' } },
      { A: { valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } } },
      { A: { valueFrom: { secretKeyRef: { name: 'x' } } } },
      { '1 A': 'x' },
    ])
      expect(configSchema.safeParse({ runner: { env } }).success, JSON.stringify(env)).toBe(false);
  });
});

describe('the service contract', { tags: ['001-FR-082'] }, () => {
  test('a declared service exports <NAME>_HOST, _PORT, _URL and its own variables', () => {
    const config = configSchema.parse({
      services: {
        declared: [
          {
            name: 'search-api',
            service: 'opensearch',
            port: 9200,
            scheme: 'http',
            env: {
              SEARCH_INDEX: 'docs',
              SEARCH_KEY: { valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
            },
          },
        ],
      },
    });
    expect(variablePrefix('search-api')).toBe('SEARCH_API');
    const contract = declaredContract(config.services.declared[0]!, 'floe-test');
    expect(contract).toMatchObject({
      name: 'search-api',
      service: 'opensearch',
      ports: [{ port: 9200 }],
      readiness: 'tcp',
    });
    expect(contract.env).toEqual([
      { name: 'SEARCH_API_HOST', value: 'opensearch.floe-test.svc.cluster.local' },
      { name: 'SEARCH_API_PORT', value: '9200' },
      { name: 'SEARCH_API_URL', value: 'http://$(SEARCH_API_HOST):$(SEARCH_API_PORT)' },
      { name: 'SEARCH_INDEX', value: 'docs' },
      { name: 'SEARCH_KEY', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
    expect(userEnvReferences(config)).toEqual([
      { kind: 'Secret', name: 's', optional: false, variable: 'services.declared[0].env.SEARCH_KEY' },
    ]);
  });

  test('every configured service has a contract; a name used twice or unknown is a usage error', () => {
    const config = configSchema.parse({ services: { declared: [{ name: 'search', port: 9200 }] } });
    const contracts = serviceContracts(config, { secrets: new Set() });
    expect(contracts.map((c) => c.name)).toEqual(['postgres', 'search']);
    expect(findContract(contracts, 'search').service).toBe('search');
    expect(() => findContract(contracts, 'kafka')).toThrow(/no service named `kafka`.*postgres, search/);
    const twice = configSchema.parse({ services: { declared: [{ name: 'postgres', port: 1 }] } });
    expect(() => serviceContracts(twice, { secrets: new Set() })).toThrow(/used twice/);
  });
});
