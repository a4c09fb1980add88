// The shape of incluster.config.yaml. Defaults follow the seed (cluster and namespace `floe-test`,
// services from testing/k8s/services/, artifacts in test-results/). The JSON Schema published for
// editors (schema/incluster.config.schema.json) is generated from this file by `npm run schema`.
import { z } from 'zod';
import { PROVIDER_CHOICES, PROVIDER_NAMES } from '../provider-names.ts';
import { RUNNER_OWN_VARIABLES } from '../runner-variables.ts';
import { DURATION_PATTERN, parseDuration } from '../duration.ts';
import { traceDefaults } from './trace-defaults.ts';
import { KIND_NODE_IMAGE } from '../cluster/versions.ts';

/** A duration as written ("90s", "10m"), turned into milliseconds when the config loads. */
const duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration such as "90s", "10m" or "1h"')
  .describe('A duration: a whole number followed by ms, s, m or h.')
  .transform((text) => parseDuration(text) ?? 0);

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi)?$/, 'a Kubernetes quantity such as "500m", "512Mi" or "2"');

/** A Secret or ConfigMap key, as `secretKeyRef` and `configMapKeyRef` take it. */
const keyRef = z.strictObject({
  name: z.string().min(1),
  key: z.string().min(1),
  optional: z.boolean().optional().describe('A missing object or key leaves the variable unset.'),
});

/** An environment variable's value: a string (may use `$(NAME)` of an earlier one) or a key reference. */
const envValue = z.union([
  z.string(),
  z.strictObject({
    valueFrom: z.union([
      z.strictObject({ secretKeyRef: keyRef }),
      z.strictObject({ configMapKeyRef: keyRef }),
    ]),
  }),
]);

/**
 * Environment variables by name, in the order written. The names incluster sets in the runner pod
 * are refused where they are written: the pod could not have the user's value.
 */
const envMap = z
  .record(
    z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, 'an environment variable name such as API_URL'),
    envValue,
  )
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env))
      if ((RUNNER_OWN_VARIABLES as readonly string[]).includes(name))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `${name} is set by incluster itself in the runner pod and cannot be replaced; use another name`,
        });
  });

/** A service the user deploys from their own manifests and declares, so the runner and fixtures find it. */
const declaredService = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'a lower-case name such as "search"')
    .describe('Names the variables: SEARCH_HOST, SEARCH_PORT, SEARCH_URL for `search`.'),
  service: z.string().optional().describe('The Kubernetes Service; default: the name.'),
  port: z.int().min(1).max(65535),
  scheme: z
    .string()
    .regex(/^[a-z][a-z0-9+.-]*$/, 'a URL scheme such as "http"')
    .optional()
    .describe('With a scheme, <NAME>_URL is exported as scheme://host:port.'),
  env: envMap
    .default({})
    .describe('More variables for the runner pod; $(<NAME>_HOST) and $(<NAME>_PORT) may be used.'),
});

/** A Helm chart `up` installs (upgrade --install) and `down` uninstalls. */
const helmChart = z.strictObject({
  release: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Helm release name (lower-case letters, digits, -)')
    .max(53),
  chart: z.string().min(1).describe('Path of a chart directory or a packaged .tgz.'),
  namespace: z.string().optional().describe('Namespace to install into; default: the services namespace.'),
  values: z.array(z.string()).default([]).describe('Values files, in order (`helm -f`).'),
  set: z.record(z.string(), z.string()).default({}).describe('Single values (`helm --set key=value`).'),
});

const policyRule = z.strictObject({
  apiGroups: z.array(z.string()).default(['']),
  resources: z.array(z.string()).min(1),
  verbs: z.array(z.string()).min(1),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    cluster: z
      .strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a DNS label (lower-case letters, digits, -)')
          .default('floe-test'),
        provider: z
          .enum(PROVIDER_CHOICES)
          .default('auto')
          .describe(
            `Which cluster to use; auto tries ${PROVIDER_NAMES.join(', then ')} and picks the first usable one.`,
          ),
        kind: z
          .strictObject({
            config: z.string().default('testing/k8s/kind-config.yaml'),
            nodeImage: z.string().default(KIND_NODE_IMAGE),
            offline: z
              .enum(['auto', 'always', 'never'])
              .default('auto')
              .describe(
                'auto: use nodeImage, and when it cannot be pulled build and use the offline node image (on incluster’s own Docker engine); always: the offline image, kind CLI and engine without trying a pull; never: only nodeImage.',
              ),
          })
          .prefault({}),
        existing: z
          .strictObject({
            kubeconfig: z
              .string()
              .optional()
              .describe('Path to a kubeconfig; default: $KUBECONFIG or ~/.kube/config.'),
            context: z.string().optional().describe('Context to use; default: the current context.'),
            registry: z
              .string()
              .optional()
              .describe('Registry the cluster pulls from; `run` pushes the runner image there.'),
          })
          .prefault({}),
        local: z
          .strictObject({
            stateDir: z
              .string()
              .optional()
              .describe(
                'Where the local cluster keeps its PKI, logs and data; default /var/lib/incluster/<name>.',
              ),
          })
          .prefault({}),
      })
      .prefault({}),
    namespace: z.string().default('floe-test').describe('Namespace the services are deployed into.'),
    services: z
      .strictObject({
        manifests: z
          .array(z.string())
          .default(['testing/k8s/services/'])
          .describe('Files or directories of YAML manifests applied by `up`.'),
        timeout: duration.prefault('5m'),
        charts: z
          .array(helmChart)
          .default([])
          .describe('Helm charts `up` installs and waits for, and `down` uninstalls.'),
        declared: z
          .array(declaredService)
          .default([])
          .describe('Services deployed by the manifests whose connection variables the runner pod gets.'),
        isolation: z
          .enum(['cluster', 'run'])
          .default('cluster')
          .describe(
            'cluster: `up` deploys one set of services into `namespace`, shared by every run; run: each `incluster run` deploys its own (built-in services, manifests, charts, fresh credentials) into its own namespace, gone with it.',
          ),
      })
      .prefault({}),
    images: z
      .strictObject({
        preload: z
          .array(z.string())
          .default([])
          .describe('Images loaded into the cluster by `up` and verified on every node.'),
      })
      .prefault({}),
    runner: z
      .strictObject({
        dockerfile: z.string().default('testing/Dockerfile'),
        context: z.string().default('.'),
        image: z
          .string()
          .default('incluster-runner')
          .describe('Repository name of the runner image; the tag is a content hash.'),
        command: z
          .array(z.string())
          .default(['npx', 'vitest', 'run'])
          .describe('Command run in the runner container.'),
        shards: z.int().min(1).max(64).default(1),
        timeout: duration.prefault('30m'),
        ttlAfterFinished: duration.prefault('10m'),
        resources: z
          .strictObject({
            requests: z
              .strictObject({ cpu: quantity.default('250m'), memory: quantity.default('256Mi') })
              .prefault({}),
            limits: z
              .strictObject({ cpu: quantity.default('2'), memory: quantity.default('1Gi') })
              .prefault({}),
          })
          .prefault({}),
        artifactsSizeLimit: quantity.default('1Gi'),
        quota: z
          .union([
            z.enum(['auto', 'none']),
            z.partialRecord(
              z.enum(['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'pods']),
              quantity,
            ),
          ])
          .default('auto')
          .describe(
            "The ResourceQuota of each run's namespace. auto: exactly what the run's own pods ask for (its shards, and its services with isolation: run), set before the Job starts; none: no quota; or the quota's hard limits (requests.cpu, requests.memory, limits.cpu, limits.memory, pods), set before anything runs.",
          ),
        limitRange: z
          .strictObject({
            defaultRequest: z
              .strictObject({ cpu: quantity.default('100m'), memory: quantity.default('128Mi') })
              .prefault({}),
            default: z
              .strictObject({ cpu: quantity.default('1'), memory: quantity.default('512Mi') })
              .prefault({}),
          })
          .prefault({})
          .describe(
            "Requests (defaultRequest) and limits (default) of each container in a run's namespace that sets none, as a LimitRange.",
          ),
        env: envMap
          .default({})
          .describe(
            'Extra variables of the test container: strings, or valueFrom a secretKeyRef or configMapKeyRef (copied from the services namespace).',
          ),
        rbac: z
          .array(policyRule)
          .default([
            {
              apiGroups: [''],
              resources: ['pods', 'pods/log', 'services', 'endpoints', 'configmaps', 'events'],
              verbs: ['get', 'list', 'watch'],
            },
          ])
          .describe('Namespaced RBAC rules granted to the runner ServiceAccount.'),
        clusterRbac: z
          .array(policyRule)
          .default([])
          .describe(
            'Cluster-wide RBAC rules for the runner ServiceAccount, in a ClusterRole bound for the run and removed after it: what tests that make namespaces of their own (create and delete namespaces, then deploy into them) need. Empty: none.',
          ),
      })
      .prefault({}),
    postgres: z
      .strictObject({
        service: z.string().default('postgres'),
        port: z.int().min(1).max(65535).default(5432),
        database: z.string().default('app'),
        secret: z
          .string()
          .default('postgres-credentials')
          .describe('Secret holding `username` and `password`.'),
        tls: z
          .strictObject({
            enabled: z
              .boolean()
              .default(false)
              .describe(
                'Serve TLS with a certificate from the CA `up` keeps per cluster; clients verify-full.',
              ),
            required: z.boolean().default(false).describe('Reject connections without TLS.'),
          })
          .prefault({}),
      })
      .prefault({}),
    redis: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Deploy the built-in Redis with `up` and give the runner REDIS_URL.'),
        service: z.string().default('redis'),
        port: z.int().min(1).max(65535).default(6379),
        secret: z
          .string()
          .default('redis-credentials')
          .describe('Secret holding `password`, created by `up` with a random one.'),
      })
      .prefault({}),
    fixtures: z
      .strictObject({
        keepOnFailure: z.boolean().default(false),
        namespaceTtl: duration
          .prefault('1h')
          .describe('Expiry stamped on test namespaces; `sweep` deletes them after it.'),
        deleteTimeout: duration.prefault('60s'),
      })
      .prefault({}),
    artifacts: z
      .strictObject({
        dir: z.string().default('test-results'),
        maxArchiveBytes: z
          .int()
          .min(1)
          .default(512 * 1024 * 1024),
      })
      .prefault({}),
    trace: z
      .strictObject({
        specs: z.array(z.string()).default(() => traceDefaults().specs),
        idPattern: z.string().default(traceDefaults().idPattern),
        threshold: z.number().min(0).max(100).default(traceDefaults().threshold),
        allowUntagged: z.boolean().default(traceDefaults().allowUntagged),
        allowUnverified: z
          .boolean()
          .default(traceDefaults().allowUnverified)
          .describe(
            'With run evidence (`incluster trace --require-passing`), let a covered requirement whose tests were only skipped or did not run pass the gate; by default it fails it.',
          ),
        tests: z.array(z.string()).default(() => traceDefaults().tests),
        pytest: z
          .array(z.string())
          .optional()
          .describe(
            'Paths given to pytest for its test set (one invocation each, as `pytest PATH`); unset: as `pytest` in the root, when it has a pytest config or test files; [] leaves pytest out.',
          ),
        lockFile: z.string().default(traceDefaults().lockFile),
      })
      .prefault({}),
  })
  .describe('incluster configuration (incluster.config.yaml)');

/** The configuration with every default filled in. */
export type Config = z.output<typeof configSchema>;
/** What a user may write in the file. */
export type ConfigInput = z.input<typeof configSchema>;
