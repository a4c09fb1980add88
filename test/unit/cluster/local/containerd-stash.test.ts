import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  containerdStash,
  restoreContainerdRoot,
  stashContainerdRoot,
} from '../../../../src/cluster/providers/local/containerd-stash.ts';
import { localLayout } from '../../../../src/cluster/providers/local/layout.ts';

describe("containerd's root between a down and the next up", { tags: ['001-FR-120'] }, () => {
  test('down moves it into the cache, the next up moves it back, whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-stash-'));
    const layout = localLayout('demo', join(dir, 'state'));
    const cache = join(dir, 'cache');
    await mkdir(join(layout.containerdRoot, 'io.containerd.content.v1.content'), { recursive: true });
    await writeFile(join(layout.containerdRoot, 'io.containerd.content.v1.content', 'blob'), 'layer');
    expect(await stashContainerdRoot(layout, cache)).toBe(true);
    expect(existsSync(layout.containerdRoot)).toBe(false);
    const stash = containerdStash(cache, 'demo');
    expect(await readFile(join(stash, 'io.containerd.content.v1.content', 'blob'), 'utf8')).toBe('layer');
    expect(await restoreContainerdRoot(layout, cache)).toBe(true);
    expect(existsSync(stash)).toBe(false);
    expect(
      await readFile(join(layout.containerdRoot, 'io.containerd.content.v1.content', 'blob'), 'utf8'),
    ).toBe('layer');
  });

  test('nothing to stash or restore is no error; a root already in place is never replaced', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-stash-'));
    const layout = localLayout('demo', join(dir, 'state'));
    const cache = join(dir, 'cache');
    expect(await stashContainerdRoot(layout, cache)).toBe(false);
    expect(await restoreContainerdRoot(layout, cache)).toBe(false);
    await mkdir(containerdStash(cache, 'demo'), { recursive: true });
    await mkdir(layout.containerdRoot, { recursive: true });
    await writeFile(join(layout.containerdRoot, 'current'), 'x');
    expect(await restoreContainerdRoot(layout, cache)).toBe(false);
    expect(await readFile(join(layout.containerdRoot, 'current'), 'utf8')).toBe('x');
    // a later stash replaces the older one
    expect(await stashContainerdRoot(layout, cache)).toBe(true);
    expect(existsSync(join(containerdStash(cache, 'demo'), 'current'))).toBe(true);
  });
});
