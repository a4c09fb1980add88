// A fault for the real API server: a validating admission webhook that holds chosen create
// requests until the test lets them go, as a slow admission controller does in real clusters. The
// test then knows a request is in flight (the webhook has it) and can interrupt exactly then. It
// sees only objects labelled with the run ids it is given (objectSelector), so other runs on the
// shared cluster never reach it, and failurePolicy Ignore keeps the cluster usable if the test dies.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpMethod } from '@kubernetes/client-node';
import { applyManifests, deleteObjects } from '../../src/kube/apply.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { KubeObject } from '../../src/kube/manifests.ts';
import { RUN_ID_LABEL } from '../../src/ownership.ts';
import { selfSignedCertificate } from './certificates.ts';

/** The resources the webhook sees: every create of a run's namespace, account, Secret and Job. */
const RULES = [
  { apiGroups: [''], apiVersions: ['v1'], resources: ['namespaces', 'serviceaccounts', 'secrets'] },
  { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs'] },
];

/** One create the webhook holds: what it is, and how to let it go on. */
export interface HeldRequest {
  kind: string;
  name: string;
  namespace: string | undefined;
  /** Answers the API server: the object is admitted and stored. */
  admit(): void;
}

/** The webhook, registered for a set of run ids. */
export interface AdmissionHold {
  /** Holds the next create of `kind` for run `runId`; resolves once the API server has sent it. */
  next(runId: string, kind: string): Promise<HeldRequest>;
  /** Unregisters the webhook, admits whatever it still holds and stops its server. */
  close(): Promise<void>;
}

interface Review {
  request: {
    uid: string;
    kind: { kind: string };
    name?: string;
    namespace?: string;
    dryRun?: boolean;
    object?: { metadata?: { name?: string; labels?: Record<string, string> } };
  };
}

/** Starts the webhook server on 127.0.0.1 and registers it for objects labelled with `runIds`. */
export async function startAdmissionHold(
  kube: KubeClient,
  runIds: readonly string[],
): Promise<AdmissionHold> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-admission-'));
  const tls = await selfSignedCertificate(dir, 'webhook', {
    subject: '/CN=incluster-admission-hold',
    ca: true,
    altNames: ['IP:127.0.0.1'],
  });
  const probeId = `probe-${randomBytes(3).toString('hex')}`;
  const wanted = new Map<string, (held: HeldRequest) => void>();
  const holding = new Set<() => void>();
  let probed: () => void = () => undefined;
  const probeSeen = new Promise<void>((resolve) => (probed = resolve));

  const server: Server = createServer(
    { cert: await readFile(tls.crt), key: await readFile(tls.key) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
        const { request } = review;
        const answer = () => {
          holding.delete(answer);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              response: { uid: request.uid, allowed: true },
            }),
          );
        };
        const runId = request.object?.metadata?.labels?.[RUN_ID_LABEL] ?? '';
        if (runId === probeId) probed();
        const key = `${runId} ${request.kind.kind}`;
        const take = wanted.get(key);
        if (!take || request.dryRun) {
          answer();
          return;
        }
        wanted.delete(key);
        holding.add(answer);
        take({
          kind: request.kind.kind,
          name: request.name ?? request.object?.metadata?.name ?? '',
          namespace: request.namespace,
          admit: answer,
        });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const configuration: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: `incluster-admission-hold-${probeId}` },
    webhooks: [
      {
        name: 'hold.admission.incluster.dev',
        clientConfig: {
          url: `https://127.0.0.1:${port}/hold`,
          caBundle: (await readFile(tls.crt)).toString('base64'),
        },
        rules: RULES.map((rule) => ({ ...rule, operations: ['CREATE'], scope: '*' })),
        objectSelector: {
          matchExpressions: [{ key: RUN_ID_LABEL, operator: 'In', values: [...runIds, probeId] }],
        },
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 30,
      },
    ],
  };
  await applyManifests(kube, [configuration]);
  await untilCalled(kube, probeId, probeSeen);
  return {
    next: (runId, kind) => new Promise((resolve) => wanted.set(`${runId} ${kind}`, resolve)),
    async close() {
      await deleteObjects(kube, [configuration]).catch(() => undefined);
      for (const answer of [...holding]) answer();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The API server starts calling a new webhook once its informer has seen the configuration: send
 * dry-run creates of a labelled namespace (nothing is stored) until the webhook has one.
 */
async function untilCalled(kube: KubeClient, probeId: string, seen: Promise<void>): Promise<void> {
  let called = false;
  void seen.then(() => (called = true));
  for (let attempt = 0; attempt < 100 && !called; attempt += 1) {
    await kube.request(HttpMethod.POST, '/api/v1/namespaces', {
      query: { dryRun: 'All' },
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: probeId, labels: { [RUN_ID_LABEL]: probeId } },
      },
    });
    await Promise.race([seen, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  if (!called) throw new Error('the API server never called the admission webhook');
}
