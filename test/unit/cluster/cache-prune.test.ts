// `incluster cache prune` on a cache laid out as incluster leaves it (archives by key, Go programs by
// version and key, an interrupted save, the kind engine's data-root), run through the CLI as a user
// runs it: --dry-run lists and removes nothing, --json prints the same, a real prune removes exactly
// what this incluster does not use.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { currentImages, type PruneResult } from '../../../src/cluster/cache-prune.ts';
import { goProgramDir } from '../../../src/cluster/host/go-build.ts';
import { KIND_PROGRAM } from '../../../src/cluster/host/kind.ts';
import { REGISTRY_PROGRAM } from '../../../src/cluster/host/registry.ts';
import { imageArchivePath, imageCacheDir } from '../../../src/cluster/images/cache.ts';
import { PAUSE_IMAGE } from '../../../src/cluster/images/names.ts';
import { COREDNS_PROGRAM } from '../../../src/cluster/images/recipes/coredns.ts';
import { COREDNS_VERSION } from '../../../src/cluster/versions.ts';
import { runCliCaptured } from '../../support/cli.ts';

/** A pid that surely runs no longer: a process that has exited. */
function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"']).toString().trim());
}

async function file(path: string, bytes = 10): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, Buffer.alloc(bytes));
  return path;
}

async function layout() {
  const root = await mkdtemp(join(tmpdir(), 'incluster-prune-'));
  const env = { ...process.env, INCLUSTER_CACHE_DIR: root };
  const pause = (await currentImages(root, env)).find((image) => image.image === PAUSE_IMAGE)!;
  await mkdir(imageCacheDir(root), { recursive: true });
  const kept = {
    pause: await file(pause.archive!, 100),
    coredns: await file(join(goProgramDir(root, COREDNS_PROGRAM), 'coredns'), 100),
    kind: await file(join(goProgramDir(root, KIND_PROGRAM), 'kind'), 100),
    registry: await file(join(goProgramDir(root, REGISTRY_PROGRAM), 'registry'), 100),
    kindEngineData: await file(join(root, 'kind', 'docker', 'overlay2', 'layer'), 100),
    wrapperModule: await file(join(root, 'etcd', 'v3.6.5', 'module', 'go.mod'), 1),
    liveSave: await file(`${imageArchivePath(root, PAUSE_IMAGE, 'ffffffffffffffff')}.partial-${process.pid}`),
  };
  const stale = {
    olderPause: await file(imageArchivePath(root, 'registry.k8s.io/pause:3.10', '0123456789abcdef'), 1000),
    otherKey: await file(imageArchivePath(root, PAUSE_IMAGE, '0123456789abcdef'), 1000),
    deadSave: await file(
      `${imageArchivePath(root, PAUSE_IMAGE, 'aaaaaaaaaaaaaaaa')}.partial-${deadPid()}`,
      7,
    ),
    olderCoredns: join(root, 'coredns', 'v1.11.4'),
    olderRegistry: join(root, 'registry', 'v3.0.0'),
    earlierLayout: await file(join(root, 'coredns', `v${COREDNS_VERSION}`, 'coredns'), 3),
  };
  await file(join(stale.olderCoredns, 'coredns'), 500);
  await file(join(stale.olderRegistry, '0123456789abcdef', 'registry'), 100);
  return { root, env, kept, stale };
}

describe('incluster cache prune', { tags: ['001-FR-152'] }, () => {
  test('--dry-run lists what this incluster does not use, with sizes, and removes nothing', async () => {
    const { root, env, kept, stale } = await layout();
    const { status, out, err } = await runCliCaptured(['cache', 'prune', '--dry-run'], { env, cwd: root });
    expect(status).toBe(0);
    for (const path of Object.values(stale)) expect(out).toContain(path);
    for (const path of Object.values(kept)) expect(out).not.toContain(path);
    expect(out).toMatch(/^would remove\t +500 B\tgo program\t.*coredns\/v1\.11\.4$/m);
    expect(err).toMatch(/^6 cached items would be removed, freeing 2\.5 KiB;/m);
    for (const path of [...Object.values(stale), ...Object.values(kept)]) expect(existsSync(path)).toBe(true);
  });

  test('--json prints the same, with the current key of every image', async () => {
    const { root, env, stale } = await layout();
    const { status, out } = await runCliCaptured(['cache', 'prune', '--dry-run', '--json'], {
      env,
      cwd: root,
    });
    expect(status).toBe(0);
    const result = JSON.parse(out) as PruneResult;
    expect(result.dryRun).toBe(true);
    expect(result.removed.map((entry) => entry.path).sort()).toEqual(Object.values(stale).sort());
    expect(result.freedBytes).toBe(2610);
    expect(result.removed.find((entry) => entry.path === stale.deadSave)?.kind).toBe('interrupted save');
    const pause = result.current.find((image) => image.image === PAUSE_IMAGE);
    expect(pause).toMatchObject({ cached: true, key: expect.stringMatching(/^[0-9a-f]{16}$/) as string });
  });

  test('prune removes exactly those, and a second prune finds nothing', async () => {
    const { root, env, kept, stale } = await layout();
    const { status, err } = await runCliCaptured(['cache', 'prune'], { env, cwd: root });
    expect(status).toBe(0);
    expect(err).toMatch(/^6 cached items removed, 2\.5 KiB freed;/m);
    for (const path of Object.values(stale)) expect(existsSync(path)).toBe(false);
    for (const path of Object.values(kept)) expect(existsSync(path)).toBe(true);
    expect((await runCliCaptured(['cache', 'prune'], { env, cwd: root })).err).toMatch(
      /^0 cached items removed/m,
    );
  });
});
