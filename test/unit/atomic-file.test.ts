// replaceFile under concurrency, on the real file system: writers racing each other and readers
// reading the whole time never see an empty or half-written file (concurrent `incluster run`s on
// kind each rewrite the cluster's kubeconfig and read it back; one read it empty, in the load bench),
// and no temporary file is left beside the target.
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { replaceFile } from '../../src/atomic-file.ts';

describe('replaceFile', { tags: ['001-FR-192'] }, () => {
  test('readers see the old file or a new one whole, never a torn one; no temporary file remains', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-atomic-'));
    const target = join(dir, 'kubeconfig');
    const versions = Array.from({ length: 8 }, (_, i) => `${String(i)}`.repeat(256 * 1024));
    await replaceFile(target, versions[0]!, { mode: 0o600 });
    let writing = true;
    const seen = new Set<number>();
    const reader = (async () => {
      while (writing) {
        const text = await readFile(target, 'utf8');
        const index = versions.indexOf(text);
        expect(index, `a torn read of ${text.length} characters`).toBeGreaterThanOrEqual(0);
        seen.add(index);
      }
    })();
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      for (let round = 0; round < 20; round += 1)
        await replaceFile(target, versions[(writer + round) % versions.length]!, { mode: 0o600 });
    });
    await Promise.all(writers);
    writing = false;
    await reader;
    expect(seen.size).toBeGreaterThan(1);
    expect(await readdir(dir)).toEqual(['kubeconfig']);
  });
});
