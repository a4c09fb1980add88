// An example integration test. `incluster run` runs it inside the cluster, in a pod next to the
// services from testing/k8s/services/, so it reaches them by their Service names through cluster DNS.
// The tag names the requirement it verifies (specs/001-example/spec.md); `incluster trace` reports it.
// Outside a pod (a plain `vitest run` on your machine) it is skipped, not failed: cluster DNS names
// resolve only inside the cluster. Kubernetes sets KUBERNETES_SERVICE_HOST in every container.
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { describe, expect, test } from 'vitest';

const namespace = process.env.INCLUSTER_NAMESPACE ?? 'floe-test';
const host = process.env.POSTGRES_HOST ?? `postgres.${namespace}.svc.cluster.local`;

describe.runIf(process.env.KUBERNETES_SERVICE_HOST)(
  'the services inside the cluster',
  { tags: ['001-FR-001'] },
  () => {
    test('PostgreSQL resolves through cluster DNS and accepts connections', async () => {
      const { address } = await lookup(host);
      expect(address).not.toBe('');
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port: 5432, timeout: 10_000 }, () => {
          socket.end();
          resolve();
        });
        socket.on('timeout', () => reject(new Error(`no answer from ${host}:5432 within 10s`)));
        socket.on('error', reject);
      });
    });
  },
);
