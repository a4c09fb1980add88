// A kustomization directory is rendered by `kubectl kustomize`, never read as raw YAML; a stub
// kubectl stands in for the real one so the unit suite needs none.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadManifests } from '../../../src/kube/manifests.ts';

let dir = '';
let kubectl = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kustomize-unit-'));
  kubectl = join(dir, 'kubectl');
  // Records its arguments, fails for a directory named "broken", else prints one rendered object.
  await writeFile(
    kubectl,
    `#!/bin/sh
echo "$@" >> "${dir}/calls"
case "$2" in *broken*) echo 'error: accumulating resources: missing.yaml: no such file' >&2; exit 1 ;; esac
printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: rendered-abc123\\n'
`,
  );
  await chmod(kubectl, 0o755);
  for (const name of ['overlay', 'broken', 'plain'])
    await mkdir(join(dir, 'tree', name), { recursive: true });
  await writeFile(join(dir, 'tree/overlay/kustomization.yaml'), 'resources: [../plain]\n');
  await writeFile(join(dir, 'tree/overlay/patch.yaml'), 'not: an object of its own\n');
  await writeFile(join(dir, 'tree/broken/kustomization.yaml'), 'resources: [missing.yaml]\n');
  await writeFile(
    join(dir, 'tree/plain/cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kustomize directories', { tags: ['001-FR-085'] }, () => {
  test('a directory with a kustomization is rendered, its raw files are not read', async () => {
    const objects = await loadManifests([join(dir, 'tree/overlay')], { kubectl });
    expect(objects.map((o) => o.object.metadata.name)).toEqual(['rendered-abc123']);
    expect(objects[0]!.source.file).toBe(`${join(dir, 'tree/overlay')} (kustomize)`);
    expect(await readFile(join(dir, 'calls'), 'utf8')).toContain(`kustomize ${join(dir, 'tree/overlay')}`);
  });

  test('a kustomization file named directly, or met while walking a tree, stands for its directory', async () => {
    const direct = await loadManifests([join(dir, 'tree/overlay/kustomization.yaml')], { kubectl });
    expect(direct.map((o) => o.object.metadata.name)).toEqual(['rendered-abc123']);
    await expect(loadManifests([join(dir, 'tree')], { kubectl })).rejects.toThrow(
      /broken.*kubectl kustomize/,
    );
    const names = (
      await loadManifests([join(dir, 'tree/overlay'), join(dir, 'tree/plain')], { kubectl })
    ).map((o) => o.object.metadata.name);
    expect(names).toEqual(['rendered-abc123', 'plain']);
  });

  test('one that does not render is a usage error quoting kubectl', async () => {
    const error = await loadManifests([join(dir, 'tree/broken')], { kubectl }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitStatus: 2 });
    expect((error as Error).message).toContain('missing.yaml: no such file');
  });

  test('without kubectl the error says how to provide one', async () => {
    const error = await loadManifests([join(dir, 'tree/overlay')], {
      kubectl: join(dir, 'no-kubectl'),
    }).catch((e: unknown) => e);
    expect((error as { hint?: string }).hint).toContain('INCLUSTER_KUBECTL');
  });
});
