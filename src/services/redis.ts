// The built-in Redis (`redis.enabled`): the objects `up` deploys (a StatefulSet and its Service,
// the password from a Secret `up` creates), and its contract: REDIS_HOST, REDIS_PORT,
// REDIS_PASSWORD (by secretKeyRef) and REDIS_URL. On the local provider the image is built from
// Debian's redis-server (src/cluster/images/recipes/redis.ts); elsewhere it is the
// official image under the same name.
import type { Config } from '../config/schema.ts';
import type { KubeObject } from '../kube/manifests.ts';
import { serviceHost, type EnvVar, type ServiceContract } from './contract.ts';

/** The image the StatefulSet runs; the local provider builds it under this very name (image-names.ts). */
export const REDIS_IMAGE = 'docker.io/library/redis:7.0-bookworm';

/** The key of the credentials Secret holding the password. */
export const REDIS_PASSWORD_KEY = 'password';

type RedisConfig = Config['redis'];

/** Redis's contract; without its Secret there is no password to export. */
export function redisContract(
  redis: RedisConfig,
  options: { namespace: string; credentials: boolean },
): ServiceContract {
  const contract = { service: redis.service, namespace: options.namespace };
  const env: EnvVar[] = [
    { name: 'REDIS_HOST', value: serviceHost(contract) },
    { name: 'REDIS_PORT', value: String(redis.port) },
  ];
  if (options.credentials)
    env.push({
      name: 'REDIS_PASSWORD',
      valueFrom: { secretKeyRef: { name: redis.secret, key: REDIS_PASSWORD_KEY } },
    });
  // Declared after what it names, as Kubernetes' $(NAME) expansion requires.
  const userinfo = options.credentials ? 'default:$(REDIS_PASSWORD)@' : '';
  env.push({ name: 'REDIS_URL', value: `redis://${userinfo}$(REDIS_HOST):$(REDIS_PORT)/0` });
  return {
    name: 'redis',
    ...contract,
    ports: [{ name: 'redis', port: redis.port }],
    readiness: 'redis',
    env,
  };
}

/** The objects `up` applies into the services' namespace (which it sets on them). */
export function redisObjects(redis: RedisConfig): KubeObject[] {
  const labels = {
    'app.kubernetes.io/name': redis.service,
    'app.kubernetes.io/part-of': 'incluster-services',
  };
  // The password goes into a file on an emptyDir, never onto the command line (ps would show it).
  const start = [
    'umask 077',
    'printf \'requirepass "%s"\\n\' "$REDIS_PASSWORD" > /run/redis/redis.conf',
    `exec redis-server /run/redis/redis.conf --port ${redis.port} --protected-mode no --save '' --appendonly no`,
  ].join(' && ');
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: redis.service, labels },
      spec: {
        serviceName: redis.service,
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': redis.service } },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 5,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 999,
              runAsGroup: 999,
              fsGroup: 999,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'redis',
                image: REDIS_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', start],
                ports: [{ name: 'redis', containerPort: redis.port }],
                env: [
                  {
                    name: 'REDIS_PASSWORD',
                    valueFrom: { secretKeyRef: { name: redis.secret, key: REDIS_PASSWORD_KEY } },
                  },
                  // redis-cli reads the password from here: the probes need no -a on the command line.
                  {
                    name: 'REDISCLI_AUTH',
                    valueFrom: { secretKeyRef: { name: redis.secret, key: REDIS_PASSWORD_KEY } },
                  },
                ],
                readinessProbe: {
                  exec: { command: ['sh', '-c', `redis-cli -p ${redis.port} ping | grep -qx PONG`] },
                  initialDelaySeconds: 1,
                  periodSeconds: 2,
                  timeoutSeconds: 3,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  exec: { command: ['sh', '-c', `redis-cli -p ${redis.port} ping | grep -qx PONG`] },
                  initialDelaySeconds: 20,
                  periodSeconds: 10,
                  timeoutSeconds: 5,
                  failureThreshold: 6,
                },
                resources: {
                  requests: { cpu: '50m', memory: '32Mi' },
                  limits: { cpu: '500m', memory: '256Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'data', mountPath: '/data' },
                  { name: 'run', mountPath: '/run/redis' },
                ],
              },
            ],
            volumes: [
              { name: 'data', emptyDir: {} },
              { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: redis.service, labels },
      spec: {
        selector: { 'app.kubernetes.io/name': redis.service },
        ports: [{ name: 'redis', port: redis.port, targetPort: 'redis' }],
      },
    },
  ];
}
