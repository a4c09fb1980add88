// A fault for the real API server: a validating admission webhook that holds chosen create
// requests until the test lets them go, as a slow admission controller does in real clusters. The
// test then knows a request is in flight (the webhook has it) and can interrupt exactly then. It
// sees only objects labelled with the run ids it is given (objectSelector), so other runs on the
// shared cluster never reach it.
import type { KubeClient } from '../../src/kube/client.ts';
import { RUN_ID_LABEL } from '../../src/ownership.ts';
import { startWebhook } from './webhook.ts';

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

/** Starts the webhook and registers it for objects labelled with `runIds`. */
export async function startAdmissionHold(
  kube: KubeClient,
  runIds: readonly string[],
): Promise<AdmissionHold> {
  const wanted = new Map<string, (held: HeldRequest) => void>();
  const webhook = await startWebhook(
    kube,
    {
      rules: RULES.map((rule) => ({ ...rule, operations: ['CREATE'] })),
      objectSelector: { matchExpressions: [{ key: RUN_ID_LABEL, operator: 'In', values: [...runIds] }] },
    },
    (request, answer) => {
      const admit = () => answer({ allowed: true });
      const runId = request.object?.metadata?.labels?.[RUN_ID_LABEL] ?? '';
      const key = `${runId} ${request.kind.kind}`;
      const take = wanted.get(key);
      if (!take || request.dryRun) return admit();
      wanted.delete(key);
      take({
        kind: request.kind.kind,
        name: request.name ?? request.object?.metadata?.name ?? '',
        namespace: request.namespace,
        admit,
      });
    },
  );
  return {
    next: (runId, kind) => new Promise((resolve) => wanted.set(`${runId} ${kind}`, resolve)),
    close: () => webhook.close(),
  };
}
