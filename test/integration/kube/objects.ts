// Small builders for the objects the integration tests create. Only images already on the node,
// never pulled: busybox for everything that needs a shell.
import type { KubeObject } from '../../../src/kube/manifests.ts';

export const BUSYBOX = 'docker.io/library/busybox:1.35';

const restricted = {
  securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
};
const container = (command: string[], extra: Record<string, unknown> = {}) => ({
  name: 'app',
  image: BUSYBOX,
  imagePullPolicy: 'IfNotPresent',
  command,
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
  resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
  ...extra,
});

/** A pod running `command` (default: sleep), optionally with a readiness probe. */
export function podOf(
  name: string,
  options: {
    command?: string[];
    image?: string;
    pullPolicy?: string;
    ready?: boolean;
    restartPolicy?: string;
    nodeSelector?: Record<string, string>;
    labels?: Record<string, string>;
  } = {},
): KubeObject {
  const probe =
    options.ready === undefined
      ? {}
      : {
          readinessProbe: {
            exec: { command: ['sh', '-c', options.ready ? 'true' : 'false'] },
            periodSeconds: 1,
          },
        };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: options.labels ?? { app: name } },
    spec: {
      ...restricted,
      terminationGracePeriodSeconds: 0,
      restartPolicy: options.restartPolicy ?? 'Always',
      ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
      containers: [
        container(options.command ?? ['sleep', '3600'], {
          ...probe,
          image: options.image ?? BUSYBOX,
          imagePullPolicy: options.pullPolicy ?? 'IfNotPresent',
        }),
      ],
    },
  };
}

/** A workload (Deployment, StatefulSet, DaemonSet) of sleeping busybox pods. */
export function workloadOf(
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet',
  name: string,
  replicas = 1,
): KubeObject {
  const template = {
    metadata: { labels: { app: name } },
    spec: {
      ...restricted,
      terminationGracePeriodSeconds: 0,
      containers: [
        container(['sleep', '3600'], { readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 } }),
      ],
    },
  };
  const spec: Record<string, unknown> = { selector: { matchLabels: { app: name } }, template };
  if (kind !== 'DaemonSet') spec.replicas = replicas;
  if (kind === 'StatefulSet') spec.serviceName = name;
  return { apiVersion: 'apps/v1', kind, metadata: { name }, spec };
}

/** A Job running `command` once (no retries). */
export function jobOf(name: string, command: string[]): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...restricted,
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 0,
          containers: [container(command)],
        },
      },
    },
  };
}

/** A ClusterIP Service for pods labelled app=<selector>. */
export function serviceOf(name: string, selector: string, port = 8080): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: selector }, ports: [{ port, targetPort: port }] },
  };
}
