// A validating admission webhook served from this process, for fault tests on the real API server:
// the test sees each review of the requests its rules and selectors pick, and answers it (at once,
// later, or with a refusal). The API server starts calling a new webhook only once its informer has
// seen the configuration, so startWebhook returns after a probe (a dry-run namespace create only
// this webhook picks) has reached it. failurePolicy Ignore keeps the cluster usable if a test dies.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpMethod } from '@kubernetes/client-node';
import { applyManifests, deleteObjects } from '../../src/kube/apply.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import type { KubeObject } from '../../src/kube/manifests.ts';
import { selfSignedCertificate } from './certificates.ts';

/** The part of an AdmissionReview request the tests read. */
export interface ReviewRequest {
  uid: string;
  operation: string;
  kind: { kind: string };
  name?: string;
  namespace?: string;
  dryRun?: boolean;
  object?: { metadata?: { name?: string; labels?: Record<string, string> } };
}

/** How a review is answered: allowed, or refused with a message the API client sees. */
export type Answer = { allowed: true } | { allowed: false; message: string };

/** What a webhook registration picks: admissionregistration/v1 rules and selectors. */
export interface WebhookSelection {
  rules: { apiGroups: string[]; apiVersions: string[]; resources: string[]; operations: string[] }[];
  objectSelector?: Record<string, unknown>;
  namespaceSelector?: Record<string, unknown>;
}

/** The label of the probe's namespace. */
const PROBE_LABEL = 'webhook-probe.incluster.dev';

/**
 * Serves a webhook on 127.0.0.1 for `selection`, calling `onReview` with each request it picks and
 * a function that answers it; resolves once the API server calls it. close() unregisters it,
 * allows whatever is still unanswered and stops the server.
 */
export async function startWebhook(
  kube: KubeClient,
  selection: WebhookSelection,
  onReview: (request: ReviewRequest, answer: (answer: Answer) => void) => void,
): Promise<{ close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-webhook-'));
  const tls = await selfSignedCertificate(dir, 'webhook', {
    subject: '/CN=incluster-test-webhook',
    ca: true,
    altNames: ['IP:127.0.0.1'],
  });
  const probeId = `probe-${randomBytes(3).toString('hex')}`;
  const unanswered = new Set<() => void>();
  let probed: () => void = () => undefined;
  const probeSeen = new Promise<void>((resolve) => (probed = resolve));

  const server: Server = createServer(
    { cert: await readFile(tls.crt), key: await readFile(tls.key) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const { request } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: ReviewRequest };
        let answered = false;
        const answer = (verdict: Answer) => {
          if (answered) return;
          answered = true;
          unanswered.delete(allow);
          const response = verdict.allowed
            ? { uid: request.uid, allowed: true }
            : { uid: request.uid, allowed: false, status: { code: 403, message: verdict.message } };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
        };
        const allow = () => answer({ allowed: true });
        unanswered.add(allow);
        if (request.object?.metadata?.labels?.[PROBE_LABEL] === probeId) {
          probed();
          allow();
        } else onReview(request, answer);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const clientConfig = {
    url: `https://127.0.0.1:${port}/review`,
    caBundle: (await readFile(tls.crt)).toString('base64'),
  };
  const common = {
    clientConfig,
    failurePolicy: 'Ignore',
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
  };
  const configuration: KubeObject = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: `incluster-test-webhook-${probeId}` },
    webhooks: [
      {
        name: 'review.webhook.incluster.dev',
        ...common,
        timeoutSeconds: 30,
        rules: selection.rules.map((rule) => ({ ...rule, scope: '*' })),
        ...(selection.objectSelector ? { objectSelector: selection.objectSelector } : {}),
        ...(selection.namespaceSelector ? { namespaceSelector: selection.namespaceSelector } : {}),
      },
      {
        name: 'probe.webhook.incluster.dev',
        ...common,
        timeoutSeconds: 5,
        rules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['namespaces'],
            operations: ['CREATE'],
            scope: '*',
          },
        ],
        objectSelector: { matchLabels: { [PROBE_LABEL]: probeId } },
      },
    ],
  };
  await applyManifests(kube, [configuration]);
  await untilCalled(kube, probeId, probeSeen);
  return {
    async close() {
      await deleteObjects(kube, [configuration]).catch(() => undefined);
      for (const allow of [...unanswered]) allow();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends dry-run creates of the probe's namespace (nothing is stored) until the webhook has one. */
async function untilCalled(kube: KubeClient, probeId: string, seen: Promise<void>): Promise<void> {
  let called = false;
  void seen.then(() => (called = true));
  for (let attempt = 0; attempt < 100 && !called; attempt += 1) {
    await kube.request(HttpMethod.POST, '/api/v1/namespaces', {
      query: { dryRun: 'All' },
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: probeId, labels: { [PROBE_LABEL]: probeId } },
      },
    });
    await Promise.race([seen, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  if (!called) throw new Error('the API server never called the webhook');
}
