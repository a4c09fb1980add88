import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { applyManifests } from '../../../src/kube/apply.ts';
import { podReady } from '../../../src/kube/conditions.ts';
import { copyFromPod } from '../../../src/kube/copy.ts';
import { execInPod } from '../../../src/kube/exec.ts';
import { readLogs, streamLogs } from '../../../src/kube/logs.ts';
import { parseManifests } from '../../../src/kube/manifests.ts';
import { portForward } from '../../../src/kube/port-forward.ts';
import { waitFor } from '../../../src/kube/wait.ts';
import { UsageError } from '../../../src/errors.ts';
import { clusterTest as test } from '../../../src/vitest/test.ts';
import { podOf, serviceOf } from './objects.ts';

describe('exec, logs and port-forward on a real pod', { tags: ['001-FR-013', '001-FR-014'] }, () => {
  test.concurrent('exec returns output and the exit status', async ({ kube, namespace }) => {
    await applyManifests(kube, [podOf('shell', { ready: true })], { namespace });
    await waitFor(podReady(kube, namespace, 'shell'), { timeout: 60_000 });
    expect(await execInPod(kube, namespace, 'shell', ['sh', '-c', 'echo out; echo err >&2'])).toEqual({
      exitCode: 0,
      stdout: 'out\n',
      stderr: 'err\n',
    });
    expect((await execInPod(kube, namespace, 'shell', ['sh', '-c', 'exit 42'])).exitCode).toBe(42);
    expect((await execInPod(kube, namespace, 'shell', ['cat'], { stdin: 'piped in' })).stdout).toBe(
      'piped in',
    );
  });

  test.concurrent(
    'logs: a tail, and a follow that ends when the container does',
    async ({ kube, namespace }) => {
      const script = 'for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done';
      await applyManifests(
        kube,
        [podOf('talker', { command: ['sh', '-c', script], restartPolicy: 'Never' })],
        { namespace },
      );
      const lines: string[] = [];
      await streamLogs(kube, namespace, 'talker', { container: 'app', onLine: (line) => lines.push(line) });
      expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
      expect(await readLogs(kube, namespace, 'talker', { container: 'app', tailLines: 2 })).toBe(
        'line 4\nline 5\n',
      );
    },
  );

  test.concurrent('port-forward to a pod behind a Service, closed cleanly', async ({ kube, namespace }) => {
    const server = podOf('http', {
      command: [
        'sh',
        '-c',
        'mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && httpd -f -p 8080 -h /tmp/www',
      ],
      ready: true,
    });
    await applyManifests(kube, [server, serviceOf('http', 'http')], { namespace });
    await waitFor(podReady(kube, namespace, 'http'), { timeout: 60_000 });
    const forward = await portForward(kube, namespace, { service: 'http' }, 8080);
    try {
      expect(forward.pod).toBe('http');
      const responses = await Promise.all(
        [1, 2, 3].map(() => fetch(`http://127.0.0.1:${forward.localPort}/index.html`).then((r) => r.text())),
      );
      expect(responses).toEqual(['hello-from-pod\n', 'hello-from-pod\n', 'hello-from-pod\n']);
    } finally {
      await forward.close();
    }
    await expect(fetch(`http://127.0.0.1:${forward.localPort}/`)).rejects.toThrow();
  });
});

describe('copying a directory out of a pod', { tags: ['001-FR-014', '001-FR-050'] }, () => {
  test.concurrent('extracts the files and refuses a symlink pointing out', async ({ kube, namespace }) => {
    await applyManifests(kube, [podOf('results', { ready: true })], { namespace });
    await waitFor(podReady(kube, namespace, 'results'), { timeout: 60_000 });
    const setup =
      'mkdir -p /tmp/out/reports && echo "<testsuites/>" > /tmp/out/reports/junit.xml && echo ok > /tmp/out/summary.txt && ln -s /etc/passwd /tmp/out/passwd';
    expect((await execInPod(kube, namespace, 'results', ['sh', '-c', setup])).exitCode).toBe(0);
    const local = join(await mkdtemp(join(tmpdir(), 'incluster-copy-')), 'artifacts');
    const result = await copyFromPod(kube, namespace, 'results', '/tmp/out', local);
    expect(result.files.sort()).toEqual(['reports/junit.xml', 'summary.txt']);
    expect(result.rejected).toEqual([{ path: './passwd', reason: 'symlink to absolute path /etc/passwd' }]);
    expect(await readFile(join(local, 'reports/junit.xml'), 'utf8')).toBe('<testsuites/>\n');
    expect((await readdir(local)).sort()).toEqual(['reports', 'summary.txt']);
  });
});

describe('applying manifests to the real API server', { tags: ['001-FR-027'] }, () => {
  test.concurrent(
    'server-side apply is idempotent; an unknown kind names file and kind',
    async ({ kube, namespace }) => {
      const objects = parseManifests(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\ndata: { k: v }\n',
        'cm.yaml',
      );
      await applyManifests(kube, objects, { namespace });
      const again = await applyManifests(kube, objects, { namespace });
      const managers = (
        again.applied[0]!.metadata.managedFields as { manager: string; operation: string }[]
      ).map((f) => `${f.manager}/${f.operation}`);
      expect(managers).toEqual(['incluster/Apply']);
      const unknown = parseManifests(
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: b }\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: x }\n',
        'typo.yaml',
      );
      const error = await applyManifests(kube, unknown, { namespace }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        'typo.yaml (document 2, line 5): the cluster does not know kind Deploymnet in apiVersion apps/v1',
      );
    },
  );
});
