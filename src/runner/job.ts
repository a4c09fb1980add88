// The Kubernetes objects of one run, as plain data (no I/O, so every field is unit-tested): the
// run's namespace, a ServiceAccount with only the configured RBAC rules, a copy of the database
// Secret, and an Indexed Job with one pod per shard under the restricted Pod Security Standard.
//
// Artifacts protocol. Each pod has two containers sharing an emptyDir at /artifacts:
//   - `tests` runs the suite and writes its results (JUnit, traceability.json, …) to /artifacts;
//   - `artifacts`, a plain (not native-sidecar) container from the same image, only waits until
//     incluster has copied /artifacts out and says so by creating /run/incluster/collected.
// A native sidecar (an initContainer with restartPolicy Always) would not do: the kubelet stops
// sidecars as soon as the main containers exit, so the volume could no longer be read through exec
// after the tests end, and not at all after a crash or an OOM kill. A plain container keeps the
// pod Running, and the emptyDir readable, whatever happened to the test process. Holding every
// shard's pod until all shards are collected also keeps a failed shard from failing the Job
// (backoffLimit 0) and thereby killing the shards still running. If incluster itself dies, the
// Job's activeDeadlineSeconds still ends the pods, and its TTL removes the Job.
import type { Config } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import type { KubeObject } from '../kube/manifests.ts';
import { CLUSTER_LABEL, managedByLabels, RUN_ID_LABEL } from '../ownership.ts';
import { RUNNER_OWN_VARIABLES } from '../runner-variables.ts';
import type { EnvVar, ServiceContract } from '../services/contract.ts';
import { SYNC_SCRIPT } from './sources.ts';

/** Name of the Job, its ServiceAccount, Role and RoleBinding (one run per namespace). */
export const RUNNER_NAME = 'incluster-runner';
/** The container that runs the suite, and the one that keeps /artifacts readable afterwards. */
export const TEST_CONTAINER = 'tests';
export const HOLDER_CONTAINER = 'artifacts';
export const ARTIFACTS_DIR = '/artifacts';
/** Created (by exec) in the holder container once /artifacts has been copied out. */
export const COLLECTED_FILE = '/run/incluster/collected';
/** The non-root user the restricted PSS asks for; the node images' `node` user. */
const RUNNER_UID = 1000;
/** The annotation the Job controller sets to a pod's completion index. */
export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

type PolicyRule = Config['runner']['rbac'][number];

/** Everything the objects depend on; filled in by run.ts from the config and the command line. */
export interface RunnerSpec {
  runId: string;
  /** The run's own namespace (created per run, labelled restricted). */
  namespace: string;
  /** Namespace of the services the tests talk to (config.namespace, or the run's own with isolation: run). */
  servicesNamespace: string;
  clusterName: string;
  image: string;
  /** `Never` where the image was loaded onto the node, `IfNotPresent` where it was pushed. */
  imagePullPolicy: 'Never' | 'IfNotPresent';
  command: readonly string[];
  /** Arguments after `--` on the command line, appended to the command. */
  runnerArgs: readonly string[];
  shards: number;
  timeoutSeconds: number;
  ttlSeconds: number;
  resources: Config['runner']['resources'];
  artifactsSizeLimit: string;
  /** runner.env: replaces CI and services' variables of its names, then adds the rest (runnerEnvironment). */
  env: readonly EnvVar[];
  rbac: readonly PolicyRule[];
  /** runner.clusterRbac: cluster-wide rules (a ClusterRole for this run), empty for none. */
  clusterRbac?: readonly PolicyRule[];
  /** Run the sources synced in by incluster (see sources.ts) instead of the image's own. */
  syncSources?: boolean;
  /** Every service's contract; their variables reference only Secrets copied into the run namespace. */
  services: readonly ServiceContract[];
  /**
   * Shards balanced by time: each shard's test files (relative to the working directory), given to
   * the runner as arguments instead of `--shard=K/N`. Read from the ConfigMap shardFilesConfigMap makes.
   */
  shardFiles?: readonly (readonly string[])[];
}

/** The ConfigMap of the shards' file lists, and where the test container finds its own. */
export const SHARD_FILES_NAME = 'incluster-shard-files';
const SHARD_FILES_DIR = '/etc/incluster/shards';

/** The labels stamped on every object of a run. */
function runLabels(runId: string): Record<string, string> {
  return managedByLabels({ [RUN_ID_LABEL]: runId, 'app.kubernetes.io/name': RUNNER_NAME });
}

/** The run's namespace, enforcing the restricted Pod Security Standard on everything in it. */
export function runNamespace(spec: Pick<RunnerSpec, 'namespace' | 'runId' | 'clusterName'>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: spec.namespace,
      labels: {
        ...runLabels(spec.runId),
        [CLUSTER_LABEL]: spec.clusterName,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  };
}

/** The ServiceAccount the runner pods use. */
export function serviceAccount(spec: Pick<RunnerSpec, 'namespace' | 'runId'>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: RUNNER_NAME, namespace: spec.namespace, labels: runLabels(spec.runId) },
  };
}

/**
 * A Role with exactly the configured rules, and its binding to the runner's ServiceAccount, in
 * `namespace` (the run's own, and the services' namespace where the tests look at things).
 */
export function rbacObjects(
  spec: Pick<RunnerSpec, 'namespace' | 'runId' | 'rbac'>,
  namespace: string,
): KubeObject[] {
  const name = namespace === spec.namespace ? RUNNER_NAME : `${RUNNER_NAME}-${spec.runId}`;
  const labels = runLabels(spec.runId);
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace, labels },
      rules: spec.rbac.map((rule) => ({
        apiGroups: [...rule.apiGroups],
        resources: [...rule.resources],
        verbs: [...rule.verbs],
      })),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: RUNNER_NAME, namespace: spec.namespace }],
    },
  ];
}

/**
 * A ClusterRole with runner.clusterRbac's rules and its binding to the run's ServiceAccount, named
 * after the run (cluster-wide names are shared by every run); none without rules. Released with the
 * rest of the run by the ledger.
 */
export function clusterRbacObjects(
  spec: Pick<RunnerSpec, 'namespace' | 'runId' | 'clusterRbac'>,
): KubeObject[] {
  const rules = spec.clusterRbac ?? [];
  if (rules.length === 0) return [];
  const name = `${RUNNER_NAME}-${spec.runId}`;
  const labels = runLabels(spec.runId);
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: rules.map((rule) => ({
        apiGroups: [...rule.apiGroups],
        resources: [...rule.resources],
        verbs: [...rule.verbs],
      })),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: RUNNER_NAME, namespace: spec.namespace }],
    },
  ];
}

/** A copy of a services' Secret in the run namespace, so the Job can use it by secretKeyRef. */
export function copiedSecret(
  source: { data?: Record<string, string>; type?: string },
  name: string,
  spec: Pick<RunnerSpec, 'namespace' | 'runId'>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: spec.namespace, labels: runLabels(spec.runId) },
    type: source.type ?? 'Opaque',
    data: { ...source.data },
  };
}

/** A copy of a services' ConfigMap in the run namespace, for configMapKeyRef. */
export function copiedConfigMap(
  source: { data?: Record<string, string>; binaryData?: Record<string, string> },
  name: string,
  spec: Pick<RunnerSpec, 'namespace' | 'runId'>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: spec.namespace, labels: runLabels(spec.runId) },
    data: { ...source.data },
    ...(source.binaryData ? { binaryData: { ...source.binaryData } } : {}),
  };
}

/** The shards' file lists, one key per shard (`shard-<i>`, a file per line), for the test containers. */
export function shardFilesConfigMap(
  spec: Pick<RunnerSpec, 'namespace' | 'runId'>,
  lists: readonly (readonly string[])[],
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: SHARD_FILES_NAME, namespace: spec.namespace, labels: runLabels(spec.runId) },
    data: Object.fromEntries(lists.map((files, index) => [`shard-${index}`, `${files.join('\n')}\n`])),
  };
}

/** The securityContext every container gets: what the restricted Pod Security Standard requires. */
function restrictedContainerSecurity(): Record<string, unknown> {
  return {
    runAsNonRoot: true,
    runAsUser: RUNNER_UID,
    runAsGroup: RUNNER_UID,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A variable of incluster's or a service's that runner.env replaced. */
export interface ReplacedVariable {
  name: string;
  /** Who had declared it: `incluster` (CI) or the service's name. */
  declaredBy: string;
}

/**
 * The environment of the test container, in order: incluster's own (CI and the INCLUSTER_* of the
 * run and shard), each service's connection variables in its contract's order (credentials by
 * secretKeyRef; a `$(NAME)` value only names a variable declared before it), then runner.env.
 * Precedence: incluster's INCLUSTER_* cannot be replaced (the config refuses them in runner.env);
 * a runner.env entry replaces CI or a service's variable of the same name, in that variable's
 * place, so what is composed from it (DATABASE_URL from PGHOST) uses the user's value; between
 * services the first declaration wins. `replaced` lists what runner.env replaced, for --verbose.
 */
export function runnerEnvironment(spec: RunnerSpec): {
  env: Record<string, unknown>[];
  replaced: ReplacedVariable[];
} {
  const env: Record<string, unknown>[] = [
    { name: 'CI', value: 'true' },
    { name: 'INCLUSTER_RUN_ID', value: spec.runId },
    { name: 'INCLUSTER_NAMESPACE', value: spec.servicesNamespace },
    { name: 'INCLUSTER_RUN_NAMESPACE', value: spec.namespace },
    { name: 'INCLUSTER_ARTIFACTS_DIR', value: ARTIFACTS_DIR },
    {
      name: 'INCLUSTER_SHARD_INDEX',
      valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } },
    },
    { name: 'INCLUSTER_SHARD_COUNT', value: String(spec.shards) },
  ];
  const declaredBy = new Map<string, string>(env.map((e) => [e.name as string, 'incluster']));
  for (const service of spec.services)
    for (const variable of service.env) {
      if (declaredBy.has(variable.name)) continue;
      declaredBy.set(variable.name, service.name);
      env.push(containerVariable(variable));
    }
  const replaced: ReplacedVariable[] = [];
  for (const variable of spec.env) {
    const owner = declaredBy.get(variable.name);
    if (owner === undefined) {
      declaredBy.set(variable.name, 'runner.env');
      env.push(containerVariable(variable));
      continue;
    }
    // The config refuses these already; a programmatic caller gets the same error, not a dropped value.
    if ((RUNNER_OWN_VARIABLES as readonly string[]).includes(variable.name))
      throw new UsageError(`runner.env.${variable.name}: incluster sets ${variable.name} itself`);
    env[env.findIndex((e) => e.name === variable.name)] = containerVariable(variable);
    replaced.push({ name: variable.name, declaredBy: owner });
  }
  return { env, replaced };
}

/** The test container's environment: runnerEnvironment without the replacement report. */
export function runnerEnv(spec: RunnerSpec): Record<string, unknown>[] {
  return runnerEnvironment(spec).env;
}

/** A contract or config variable as a container's env entry (valueFrom copied, never shared). */
function containerVariable(variable: EnvVar): Record<string, unknown> {
  return 'value' in variable
    ? { name: variable.name, value: variable.value }
    : { name: variable.name, valueFrom: structuredClone(variable.valueFrom) };
}

/**
 * The test container's command. Sharded, a tiny `sh` wrapper appends `--shard=<i+1>/<n>` (Vitest
 * counts shards from 1, completion indexes from 0), or, balanced by time, the shard's files, one
 * argument per line of its list, made absolute (Vitest matches an absolute filter exactly, a
 * relative one as a substring); the command and arguments stay positional parameters, so nothing a
 * user wrote, nor any file name, is ever parsed by the shell.
 */
export function testCommand(
  spec: Pick<RunnerSpec, 'command' | 'runnerArgs' | 'shards' | 'shardFiles'>,
): string[] {
  const command = [...spec.command, ...spec.runnerArgs];
  if (spec.shardFiles)
    return [
      'sh',
      '-c',
      `while IFS= read -r file || [ -n "$file" ]; do set -- "$@" "$PWD/$file"; done < "${SHARD_FILES_DIR}/shard-$INCLUSTER_SHARD_INDEX"; exec "$@"`,
      'incluster-shard',
      ...command,
    ];
  if (spec.shards <= 1) return command;
  return [
    'sh',
    '-c',
    'exec "$@" "--shard=$((INCLUSTER_SHARD_INDEX + 1))/$INCLUSTER_SHARD_COUNT"',
    'incluster-shard',
    ...command,
  ];
}

/**
 * The holder's command: wait for the collected-file, then exit 0. A TERM (Ctrl-C cleanup, the Job's
 * deadline) ends it at once: as PID 1 the shell would otherwise ignore it until the grace period.
 */
const HOLDER_COMMAND: readonly string[] = [
  'sh',
  '-c',
  `trap 'exit 0' TERM INT; while [ ! -e ${COLLECTED_FILE} ]; do sleep 1; done`,
];

/** The Indexed Job: one pod per shard, no retries, a deadline and a TTL. */
export function runnerJob(spec: RunnerSpec): KubeObject {
  const labels = runLabels(spec.runId);
  const security = restrictedContainerSecurity();
  const mounts = [{ name: 'artifacts', mountPath: ARTIFACTS_DIR }];
  // ConfigMaps mounted read-only in the test container only: what the services' clients read (a TLS
  // CA), and the shards' file lists.
  const mountedFiles = spec.services
    .flatMap((service) => service.mounts ?? [])
    .map((mount, index) => ({
      volume: { name: `service-files-${index}`, configMap: { name: mount.configMap } },
      mount: { name: `service-files-${index}`, mountPath: mount.path, readOnly: true },
    }));
  if (spec.shardFiles)
    mountedFiles.push({
      volume: { name: 'shard-files', configMap: { name: SHARD_FILES_NAME } },
      mount: { name: 'shard-files', mountPath: SHARD_FILES_DIR, readOnly: true },
    });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: RUNNER_NAME, namespace: spec.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: spec.timeoutSeconds,
      ttlSecondsAfterFinished: spec.ttlSeconds,
      completionMode: 'Indexed',
      completions: spec.shards,
      parallelism: spec.shards,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: RUNNER_NAME,
          restartPolicy: 'Never',
          enableServiceLinks: false,
          // Long enough for a test process to flush its reporters, short enough for Ctrl-C.
          terminationGracePeriodSeconds: 5,
          // Shards spread over the nodes when there are several (the cluster's scheduler places
          // them, not incluster); on one node, or when a node is full, they still schedule.
          topologySpreadConstraints:
            spec.shards > 1
              ? [
                  {
                    maxSkew: 1,
                    topologyKey: 'kubernetes.io/hostname',
                    whenUnsatisfiable: 'ScheduleAnyway',
                    labelSelector: { matchLabels: { [RUN_ID_LABEL]: spec.runId } },
                  },
                ]
              : undefined,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUNNER_UID,
            runAsGroup: RUNNER_UID,
            fsGroup: RUNNER_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: TEST_CONTAINER,
              image: spec.image,
              imagePullPolicy: spec.imagePullPolicy,
              command: spec.syncSources
                ? ['sh', '-c', SYNC_SCRIPT, 'incluster-sync', ...testCommand(spec)]
                : testCommand(spec),
              env: runnerEnv(spec),
              resources: {
                requests: { ...spec.resources.requests },
                limits: { ...spec.resources.limits },
              },
              securityContext: security,
              volumeMounts: [
                ...mounts,
                ...(spec.syncSources ? [{ name: 'control', mountPath: '/run/incluster' }] : []),
                ...mountedFiles.map((files) => files.mount),
              ],
            },
            {
              name: HOLDER_CONTAINER,
              image: spec.image,
              imagePullPolicy: spec.imagePullPolicy,
              command: [...HOLDER_COMMAND],
              resources: {
                requests: { cpu: '10m', memory: '16Mi' },
                limits: { cpu: '500m', memory: '64Mi' },
              },
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [...mounts, { name: 'control', mountPath: '/run/incluster' }],
            },
          ],
          volumes: [
            { name: 'artifacts', emptyDir: { sizeLimit: spec.artifactsSizeLimit } },
            // Holds the collected-file, and the synced sources when there are any.
            { name: 'control', emptyDir: { sizeLimit: spec.syncSources ? '256Mi' : '1Mi' } },
            ...mountedFiles.map((files) => files.volume),
          ],
        },
      },
    },
  };
}
