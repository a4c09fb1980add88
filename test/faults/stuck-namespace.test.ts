// A namespace stuck in Terminating (FR-028): a test applies, through the fixture, one object with
// incluster's own finalizer and one with a foreign finalizer. After the test, cleanup must wait for
// the namespace no longer than fixtures.deleteTimeout, report it, clear only incluster's finalizer,
// and let the run end with exit 0. The foreign finalizer is the outer test's to remove.
import { randomBytes } from 'node:crypto';
import { HttpMethod, PatchStrategy } from '@kubernetes/client-node';
import { afterEach, describe, expect, test } from 'vitest';
import { isNotFound } from '../../src/kube/api-error.ts';
import { deleted } from '../../src/kube/conditions.ts';
import { waitFor } from '../../src/kube/wait.ts';
import { dropNamespace, faultClient, hostileRun, killStray, projectDir, spawnNode } from './support.ts';

afterEach(killStray);

/** fixtures.deleteTimeout of the nested run, in seconds (the default is 60). */
const DEADLINE_S = 8;

describe('a namespace stuck in Terminating', { tags: ['001-FR-028', '001-FR-020'] }, () => {
  test('cleanup waits until the deadline, reports it, clears only our finalizer, and the run exits 0', async () => {
    const kube = faultClient();
    const dir = await projectDir(`namespace: floe-test\nfixtures:\n  deleteTimeout: ${DEADLINE_S}s\n`);
    let namespace: string | undefined;
    try {
      const child = spawnNode(hostileRun('stuck.fixture.ts'), {
        cwd: dir,
        env: { INCLUSTER_RUN_ID: `fault-stuck-${randomBytes(3).toString('hex')}` },
      });
      namespace = (await child.line(/HOSTILE_NAMESPACE=(\S+)/))[1];
      const reported = await child.line(/is still terminating after (\d+)s: /, 60_000);
      const reportedAt = Date.now();
      const { code } = await child.exited;
      const output = child.stdout() + child.stderr();
      expect(code, output).toBe(0);
      expect(output).toContain(`namespace ${namespace} is still terminating after`);
      expect(output).toMatch(/NamespaceFinalizersRemaining|NamespaceContentRemaining/);
      expect(output).toContain('cleared finalizers: ConfigMap/ours: incluster.dev/test-cleanup');
      expect(output).not.toMatch(/cleared finalizers:[^\n]*example\.com\/keep/);
      // The configured deadline (8 s), not the default (60 s): the report says how long the namespace
      // had been terminating, and the API server's deletionTimestamp (whole seconds) agrees.
      expect(Math.abs(Number(reported[1]) - DEADLINE_S), reported[0]).toBeLessThanOrEqual(1);
      const ns = await kube.core.readNamespace({ name: namespace! });
      const deletedAt = Date.parse(String(ns.metadata?.deletionTimestamp));
      const waited = (reportedAt - deletedAt) / 1000;
      expect(waited, `reported ${waited}s after the namespace's deletion`).toBeGreaterThanOrEqual(
        DEADLINE_S - 1,
      );
      expect(waited, `reported ${waited}s after the namespace's deletion`).toBeLessThanOrEqual(
        DEADLINE_S + 2,
      );

      // Ours is gone (its finalizer cleared, the deletion finished); the foreign one is untouched.
      await waitFor(deleted(kube, 'ConfigMap', namespace, 'ours'), { timeout: 30_000 });
      const foreign = await kube.core.readNamespacedConfigMap({ namespace: namespace!, name: 'foreign' });
      expect(foreign.metadata?.finalizers).toEqual(['example.com/keep']);
      expect(foreign.metadata?.deletionTimestamp).toBeDefined();
      expect(ns.status?.phase).toBe('Terminating');
    } finally {
      if (namespace) {
        await kube
          .request(HttpMethod.PATCH, `/api/v1/namespaces/${namespace}/configmaps/foreign`, {
            body: { metadata: { finalizers: null } },
            contentType: PatchStrategy.MergePatch,
          })
          .catch((error: unknown) => {
            if (!isNotFound(error)) throw error;
          });
        await dropNamespace(kube, namespace);
        await waitFor(deleted(kube, 'Namespace', undefined, namespace), { timeout: 90_000 });
      }
    }
  });
});
