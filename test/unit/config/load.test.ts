import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findConfigFile, loadConfig, parseConfig } from '../../../src/config/load.ts';
import { traceDefaults } from '../../../src/config/trace-defaults.ts';
import { ConfigError } from '../../../src/errors.ts';

describe('incluster.config.yaml', { tags: ['001-FR-044'] }, () => {
  test('an empty file gives the seed defaults', () => {
    const config = parseConfig('', 'incluster.config.yaml');
    expect(config.cluster.name).toBe('floe-test');
    expect(config.namespace).toBe('floe-test');
    // Paths come out absolute, against the directory of the file (here the working directory).
    expect(config.services.manifests).toEqual([join(process.cwd(), 'testing/k8s/services')]);
    expect(config.artifacts.dir).toBe(join(process.cwd(), 'test-results'));
    expect(config.cluster.kind.nodeImage).toMatch(/^kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });

  test("the defaults `incluster trace` uses without a file, read without the schema, are the schema's", () => {
    expect(parseConfig('', 'incluster.config.yaml').trace).toEqual(traceDefaults());
  });

  test.each([
    [
      'cluster:\n  provider: kindd\n',
      'incluster.config.yaml:2: cluster.provider: expected one of "auto", "kind", "local", "existing", got "kindd"',
    ],
    ['runner:\n  shards: "two"\n', 'incluster.config.yaml:2: runner.shards: expected number, got "two"'],
    ['namespace: floe\nclustr: {}\n', 'incluster.config.yaml:2: (root): unknown field "clustr"'],
    [
      'services:\n  timeout: 10 minutes\n',
      'incluster.config.yaml:2: services.timeout: expected a duration such as "90s", "10m" or "1h", got "10 minutes"',
    ],
    [
      'services:\n  manifests:\n    - ok.yaml\n    - 3\n',
      'incluster.config.yaml:4: services.manifests[1]: expected string, got 3',
    ],
  ])('a bad file names the file, line, field and expectation: %j', (text, message) => {
    const error = (() => {
      try {
        parseConfig(text, 'incluster.config.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(message);
    expect((error as ConfigError).exitStatus).toBe(2);
  });

  test('malformed YAML is a config error with a line', () => {
    expect(() => parseConfig('cluster: [\n', 'x.yaml')).toThrow(/^x\.yaml:\d+: \(root\): not valid YAML/);
  });

  test('the file is found by walking up from the working directory', async () => {
    const root = await mkdtemp(join(tmpdir(), 'incluster-config-'));
    const deep = join(root, 'a', 'b', 'c');
    await mkdir(deep, { recursive: true });
    await writeFile(join(root, 'incluster.config.yaml'), 'namespace: walked-up\n');
    expect(findConfigFile(deep)).toBe(join(root, 'incluster.config.yaml'));
    const loaded = await loadConfig({ cwd: deep });
    expect(loaded.config.namespace).toBe('walked-up');
    expect(loaded.root).toBe(root);
  });
});

describe('published JSON Schema', { tags: ['001-FR-044'] }, () => {
  test('schema/incluster.config.schema.json is generated from the config schema and up to date', async () => {
    const { readFile } = await import('node:fs/promises');
    const { configJsonSchema } = await import('../../../src/config/json-schema.ts');
    const committed = JSON.parse(
      await readFile(new URL('../../../schema/incluster.config.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed, 'run `npm run schema` and commit the result').toEqual(configJsonSchema());
  });

  test('the schema describes the fields an editor should complete', async () => {
    const { configJsonSchema } = await import('../../../src/config/json-schema.ts');
    const schema = configJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { enum?: string[] }> }>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['cluster', 'namespace', 'services', 'runner', 'trace', 'artifacts']),
    );
    expect(schema.properties.cluster!.properties!.provider!.enum).toEqual([
      'auto',
      'kind',
      'local',
      'existing',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});
