// The config is parsed once: durations become milliseconds and paths absolute when it loads, so
// no other module parses a duration or resolves a config path again.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { configAt } from '../../../src/config/resolve.ts';
import { parseDuration, wholeSeconds } from '../../../src/duration.ts';
import { runCliCaptured } from '../../support/cli.ts';

describe('the config, parsed once', { tags: ['001-FR-044'] }, () => {
  test('durations are milliseconds, defaults included', () => {
    const config = configAt('/repo', { runner: { timeout: '90s' }, fixtures: { deleteTimeout: '500ms' } });
    expect(config.runner.timeout).toBe(90_000);
    expect(config.runner.ttlAfterFinished).toBe(600_000);
    expect(config.fixtures.deleteTimeout).toBe(500);
    expect(config.fixtures.namespaceTtl).toBe(3_600_000);
    expect(config.services.timeout).toBe(300_000);
  });

  test('paths are absolute against the directory of the file; globs and absolute paths stay as written', async () => {
    const root = await mkdtemp(join(tmpdir(), 'incluster-config-'));
    await mkdir(join(root, 'sub'));
    await writeFile(
      join(root, 'incluster.config.yaml'),
      [
        'cluster:',
        '  kind: { config: k8s/kind.yaml }',
        '  existing: { kubeconfig: .kube/admin.conf }',
        'services: { manifests: [k8s/services/, /abs/extra.yaml] }',
        'runner: { dockerfile: docker/Dockerfile, context: .. }',
        'artifacts: { dir: out }',
        'trace: { specs: ["specs/**/spec.md"] }',
        '',
      ].join('\n'),
    );
    const { config } = await loadConfig({ cwd: join(root, 'sub') });
    expect(config.cluster.kind.config).toBe(join(root, 'k8s/kind.yaml'));
    expect(config.cluster.existing.kubeconfig).toBe(join(root, '.kube/admin.conf'));
    expect(config.cluster.local.stateDir).toBeUndefined();
    expect(config.services.manifests).toEqual([join(root, 'k8s/services'), '/abs/extra.yaml']);
    expect(config.runner.dockerfile).toBe(join(root, 'docker/Dockerfile'));
    expect(config.runner.context).toBe(join(root, '..'));
    expect(config.artifacts.dir).toBe(join(root, 'out'));
    expect(config.trace.specs).toEqual(['specs/**/spec.md']);
  });

  test('one duration grammar for the config and the command line', async () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('ten')).toBeUndefined();
    expect(wholeSeconds(90_500)).toBe(91);
    expect(wholeSeconds(10)).toBe(1);
    const run = await runCliCaptured(['run', '--timeout', 'ten', '--provider', 'existing']);
    expect(run.status).toBe(2);
    expect(run.err).toContain('--timeout must be a duration');
  });
});
