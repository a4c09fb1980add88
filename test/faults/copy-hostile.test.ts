// A hostile pod for the copy-out path (FR-050, FR-014): its directory holds an absolute symlink, a
// symlink climbing out with `..`, and a file larger than the cap. copyFromPod must bring back only
// the ordinary file, report each refused entry, and write nothing outside the target directory.
import { lstat, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyManifests } from '../../src/kube/apply.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { podReady } from '../../src/kube/conditions.ts';
import { copyFromPod } from '../../src/kube/copy.ts';
import { waitFor } from '../../src/kube/wait.ts';
import { busyboxPod, dropNamespace, faultClient, faultNamespace } from './support.ts';

const MiB = 1024 * 1024;

describe('copying out of a hostile pod', { tags: ['001-FR-050', '001-FR-014'] }, () => {
  let kube: KubeClient;
  let ns: string;
  beforeAll(async () => {
    kube = faultClient();
    ns = await faultNamespace(kube, 'copy', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
  afterAll(() => dropNamespace(kube, ns));

  test('escaping symlinks and an oversized file are refused and reported; nothing lands outside', async () => {
    const script = [
      'mkdir -p /data/out/sub && cd /data/out',
      'echo hello > ok.txt && echo nested > sub/inner.txt',
      'ln -s /etc/passwd abs-link',
      'ln -s ../../../../../../etc up-link',
      'ln -s ../ok.txt sub/fine-link',
      'dd if=/dev/zero of=huge.bin bs=1048576 count=8 2>/dev/null',
      'touch /data/done',
      'sleep 3600',
    ].join(' && ');
    const pod = busyboxPod('hostile', ['sh', '-c', script], {
      readinessProbe: { exec: { command: ['test', '-f', '/data/done'] }, periodSeconds: 1 },
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    });
    (pod.spec as { volumes?: unknown[] }).volumes = [{ name: 'data', emptyDir: {} }];
    await applyManifests(kube, [pod], { namespace: ns });
    await waitFor(podReady(kube, ns, 'hostile'), { timeout: 90_000 });

    const base = await mkdtemp(join(tmpdir(), 'fault-copy-'));
    await writeFile(join(base, 'victim.txt'), 'original');
    const target = join(base, 'out');
    const result = await copyFromPod(kube, ns, 'hostile', '/data/out', target, { maxBytes: MiB });

    expect(await readdir(base)).toEqual(['out', 'victim.txt']);
    expect(await readFile(join(base, 'victim.txt'), 'utf8')).toBe('original');
    const reasons = Object.fromEntries(result.rejected.map((r) => [r.path.replace(/^\.\//, ''), r.reason]));
    expect(reasons['abs-link']).toMatch(/absolute/);
    expect(reasons['up-link']).toMatch(/escapes/);
    expect(reasons['huge.bin']).toBe(`exceeds the size cap of ${MiB} bytes`);
    expect(result.files.map((f) => f.replace(/^\.\//, '')).sort()).toEqual([
      'ok.txt',
      'sub/fine-link',
      'sub/inner.txt',
    ]);
    expect(await readFile(join(target, 'ok.txt'), 'utf8')).toBe('hello\n');
    expect((await lstat(join(target, 'sub/fine-link'))).isSymbolicLink()).toBe(true);
    expect((await readdir(target, { recursive: true })).sort()).toEqual([
      'ok.txt',
      'sub',
      'sub/fine-link',
      'sub/inner.txt',
    ]);
    expect(result.bytes).toBeLessThanOrEqual(MiB);
  });
});
