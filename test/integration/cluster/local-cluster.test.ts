// The local cluster is a real Kubernetes: these tests use it the way a user's tests would, through
// the API server, the kubelet, containerd, CoreDNS and kube-proxy, with images built on this machine.
import { execFileSync } from 'node:child_process';
import { describe, expect } from 'vitest';
import { clusterTest as test } from '../../../src/vitest/test.ts';
import { jobComplete, match, podReady, serviceHasEndpoints } from '../../../src/kube/conditions.ts';
import { execInPod } from '../../../src/kube/exec.ts';
import { readLogs, streamLogs } from '../../../src/kube/logs.ts';
import { portForward } from '../../../src/kube/port-forward.ts';
import { waitFor } from '../../../src/kube/wait.ts';
import { NETWORK } from '../../../src/cluster/providers/local/layout.ts';
import { KUBERNETES_VERSION } from '../../../src/cluster/versions.ts';
import { BUSYBOX_IMAGE, POSTGRES_IMAGE } from '../../../src/cluster/images/names.ts';

const restricted = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  runAsUser: 65534,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** A busybox pod running `script`. */
function busyboxPod(name: string, script: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'main',
          image: BUSYBOX_IMAGE,
          imagePullPolicy: 'Never',
          command: ['sh', '-c', script],
          securityContext: restricted,
          ...extra,
        },
      ],
    },
  };
}

/** A web server (busybox httpd) serving `body` on port 8080, behind the Service `web`. */
function webServer(body: string) {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              {
                name: 'httpd',
                image: BUSYBOX_IMAGE,
                imagePullPolicy: 'Never',
                command: [
                  'sh',
                  '-c',
                  `mkdir -p /tmp/www && echo '${body}' > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www`,
                ],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
                securityContext: restricted,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ];
}

describe('local cluster: a real single-node Kubernetes', { tags: ['001-FR-001'] }, () => {
  test(
    'the node is Ready and runs the kubelet built from the pinned version',
    { tags: ['001-FR-009'] },
    async ({ kube }) => {
      const nodes = await kube.core.listNode();
      expect(nodes.items).toHaveLength(1);
      const node = nodes.items[0]!;
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(node.status?.nodeInfo?.kubeletVersion).toBe(`v${KUBERNETES_VERSION}`);
      expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    },
  );

  test('a pod from a locally built image runs, and its log streams line by line', async ({
    kube,
    namespace,
    deploy,
  }) => {
    await deploy([busyboxPod('talker', 'for i in 1 2 3; do echo line-$i; sleep 1; done')]);
    const lines: string[] = [];
    await streamLogs(kube, namespace, 'talker', { container: 'main', onLine: (line) => lines.push(line) });
    expect(lines).toEqual(['line-1', 'line-2', 'line-3']);
  });

  test('a Service name resolves from another pod and a TCP connection to it succeeds', async ({
    kube,
    namespace,
    deploy,
  }) => {
    await deploy(webServer('hello through the service'));
    // Available pods reach the Service only once the EndpointSlice controller lists them.
    await waitFor(serviceHasEndpoints(kube, namespace, 'web'), { timeout: 60_000 });
    const url = `http://web.${namespace}.svc.cluster.local/index.html`;
    await deploy([busyboxPod('client', `nslookup web.${namespace}.svc.cluster.local && wget -q -O- ${url}`)]);
    const done = await waitFor(
      match<{ status?: { phase?: string } }>(kube, 'Pod', namespace, 'client', (p) =>
        ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
      ),
      { timeout: 60_000 },
    );
    const log = await readLogs(kube, namespace, 'client');
    expect(done.status?.phase, log).toBe('Succeeded');
    expect(log).toContain('hello through the service');
    expect(log).toMatch(new RegExp(`Address:?\\s+10\\.96\\.`));
  });

  test('a Job runs to completion', { tags: ['001-FR-021'] }, async ({ kube, namespace, deploy }) => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once' },
      spec: { backoffLimit: 0, template: { spec: busyboxPod('once', 'echo done').spec } },
    };
    await deploy([job]);
    const finished = await waitFor(jobComplete(kube, namespace, 'once'), { timeout: 60_000 });
    expect((finished.status as { succeeded?: number }).succeeded).toBe(1);
  });

  test(
    'exec and port-forward go through the API server to the kubelet',
    // What it proves is that the local provider's cluster is a working Kubernetes (FR-007); the
    // client's own construction and retries (FR-029) have tests of their own.
    { tags: ['001-FR-007'] },
    async ({ kube, namespace, deploy }) => {
      await deploy(webServer('hello through a port-forward'));
      const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      const pod = pods.items[0]!.metadata!.name!;
      const exec = await execInPod(kube, namespace, pod, ['cat', '/tmp/www/index.html']);
      expect(exec).toMatchObject({ exitCode: 0, stdout: 'hello through a port-forward\n' });
      const failing = await execInPod(kube, namespace, pod, ['sh', '-c', 'exit 7']);
      expect(failing.exitCode).toBe(7);

      const forward = await portForward(kube, namespace, { service: 'web' }, 80);
      try {
        const response = await fetch(`http://127.0.0.1:${forward.localPort}/index.html`);
        expect(await response.text()).toBe('hello through a port-forward\n');
      } finally {
        await forward.close();
      }
    },
  );
});

describe('local cluster: the services from testing/k8s/services', { tags: ['001-FR-002'] }, () => {
  // A plain psql pod, not the PostgreSQL fixture (FR-024, test/integration/vitest/postgres.test.ts):
  // it proves the service `up` deployed is ready and reachable by its Service name (FR-002).
  test('PostgreSQL accepts a query from a pod through its Service name', async ({ kube, incluster }) => {
    // The credentials Secret lives in the services' namespace, so the client pod runs there.
    const namespace = incluster.config.namespace;
    const name = `psql-check-${Date.now().toString(36)}`;
    const fromSecret = (name: string, key: string) => ({
      name,
      valueFrom: { secretKeyRef: { name: incluster.config.postgres.secret, key } },
    });
    const env = [
      fromSecret('PGUSER', 'username'),
      fromSecret('PGPASSWORD', 'password'),
      fromSecret('PGDATABASE', 'database'),
    ];
    await kube.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'incluster' } },
        spec: {
          restartPolicy: 'Never',
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 999,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'psql',
              image: POSTGRES_IMAGE,
              imagePullPolicy: 'Never',
              command: ['psql', '-h', `postgres.${namespace}.svc.cluster.local`, '-tAc', 'SELECT 40 + 2'],
              env,
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    });
    try {
      const done = await waitFor(
        match<{ status?: { phase?: string } }>(kube, 'Pod', namespace, name, (p) =>
          ['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
        ),
        { timeout: 90_000 },
      );
      const log = await readLogs(kube, namespace, name);
      expect(done.status?.phase, log).toBe('Succeeded');
      expect(log.trim()).toBe('42');
    } finally {
      await kube.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
    }
  });
});

describe(
  'local cluster: traffic for the cluster ranges stays on this machine',
  { tags: ['001-FR-052'] },
  () => {
    test('Service and pod addresses route to our bridges, never the default route', () => {
      const defaultDev = /dev (\S+)/.exec(
        execFileSync('ip', ['route', 'show', 'default'], { encoding: 'utf8' }),
      )?.[1];
      for (const address of ['10.96.200.200', '10.88.250.250']) {
        const route = execFileSync('ip', ['route', 'get', address], { encoding: 'utf8' });
        expect(route).toMatch(new RegExp(`dev (${NETWORK.nodeBridge}|${NETWORK.podBridge}) `));
        if (defaultDev) expect(route).not.toContain(`dev ${defaultDev} `);
      }
    });

    test('the guard chain is hooked into OUTPUT and FORWARD and drops what would leave', () => {
      for (const hook of ['OUTPUT', 'FORWARD']) {
        const rules = execFileSync('iptables', ['-w', '-S', hook], { encoding: 'utf8' });
        expect(rules).toContain(`-j ${NETWORK.guardChain}`);
      }
      const guard = execFileSync('iptables', ['-w', '-S', NETWORK.guardChain], { encoding: 'utf8' });
      for (const range of [NETWORK.podCidr, NETWORK.serviceCidr])
        expect(guard).toContain(`-d ${range} -j DROP`);
    });

    test('a pod is Ready only with its readiness probe answering through the pod network', async ({
      kube,
      namespace,
      deploy,
    }) => {
      await deploy(webServer('ready'));
      const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      const ready = await waitFor(podReady(kube, namespace, pods.items[0]!.metadata!.name!), {
        timeout: 30_000,
      });
      expect((ready.status as { podIP?: string }).podIP).toMatch(/^10\.88\./);
    });
  },
);
