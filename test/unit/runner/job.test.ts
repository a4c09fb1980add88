import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { postgresContract } from '../../../src/services/postgres.ts';
import {
  COMPLETION_INDEX_ANNOTATION,
  copiedSecret,
  clusterRbacObjects,
  rbacObjects,
  runnerJob,
  runNamespace,
  testCommand,
  type RunnerSpec,
} from '../../../src/runner/job.ts';

const config = configSchema.parse({});

function spec(overrides: Partial<RunnerSpec> = {}): RunnerSpec {
  return {
    runId: 'r20261124-a1b2',
    namespace: 'incluster-run-r20261124-a1b2',
    servicesNamespace: 'floe-test',
    clusterName: 'floe-test',
    image: 'incluster-runner:0123456789abcdef',
    imagePullPolicy: 'Never',
    command: ['npx', 'vitest', 'run'],
    runnerArgs: ['--project', 'integration'],
    shards: 1,
    timeoutSeconds: 1800,
    ttlSeconds: 600,
    resources: config.runner.resources,
    artifactsSizeLimit: '1Gi',
    env: [
      { name: 'FEATURE', value: 'on' },
      { name: 'POSTGRES_HOST', value: 'elsewhere' },
    ],
    rbac: config.runner.rbac,
    services: [postgresContract(config.postgres, { namespace: 'floe-test', credentials: true })],
    ...overrides,
  };
}

interface Container {
  name: string;
  image: string;
  command: string[];
  imagePullPolicy: string;
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: { name: string; mountPath: string }[];
}
interface JobShape {
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    ttlSecondsAfterFinished: number;
    completionMode: string;
    completions: number;
    parallelism: number;
    template: {
      spec: {
        serviceAccountName: string;
        restartPolicy: string;
        securityContext: Record<string, unknown>;
        containers: Container[];
        initContainers?: Container[];
        volumes: { name: string; emptyDir?: { sizeLimit?: string } }[];
      };
    };
  };
}

const job = (s: RunnerSpec) => runnerJob(s) as unknown as JobShape;

describe('the runner Job', { tags: ['001-FR-012'] }, () => {
  test('runs once, with a deadline and a TTL, as an Indexed Job under its own ServiceAccount', () => {
    const j = job(spec({ shards: 3, timeoutSeconds: 90 }));
    expect(j.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 90,
      ttlSecondsAfterFinished: 600,
      completionMode: 'Indexed',
      completions: 3,
      parallelism: 3,
    });
    expect(j.spec.template.spec.serviceAccountName).toBe('incluster-runner');
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
  });

  test('every container meets the restricted Pod Security Standard', () => {
    const pod = job(spec()).spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const containers = [...pod.containers, ...(pod.initContainers ?? [])];
    expect(containers.length).toBeGreaterThanOrEqual(2);
    for (const c of containers) {
      expect(c.securityContext, c.name).toEqual({
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.image, c.name).toBe('incluster-runner:0123456789abcdef');
      expect(c.image).not.toMatch(/:latest$/);
      expect(c.imagePullPolicy).toBe('Never');
      expect(c.resources.limits?.memory, c.name).toBeTruthy();
      expect(c.volumeMounts).toContainEqual({ name: 'artifacts', mountPath: '/artifacts' });
    }
  });

  test('with synced sources the test container waits for them, and still meets the restricted PSS', () => {
    const pod = job(spec({ syncSources: true })).spec.template.spec;
    const tests = pod.containers.find((c) => c.name === 'tests')!;
    expect(tests.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(tests.command[2]).toContain('sources-ready');
    expect(tests.command.slice(3)).toEqual([
      'incluster-sync',
      'npx',
      'vitest',
      'run',
      '--project',
      'integration',
    ]);
    expect(tests.volumeMounts).toContainEqual({ name: 'control', mountPath: '/run/incluster' });
    for (const c of pod.containers)
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
  });

  test('requests and limits come from the config, /artifacts is a size-limited emptyDir', () => {
    const pod = job(spec({ artifactsSizeLimit: '256Mi' })).spec.template.spec;
    const tests = pod.containers.find((c) => c.name === 'tests')!;
    expect(tests.resources).toEqual({
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
    expect(pod.volumes).toContainEqual({ name: 'artifacts', emptyDir: { sizeLimit: '256Mi' } });
  });

  test('credentials come by secretKeyRef, never as a plain value; services by cluster DNS', () => {
    const tests = job(spec()).spec.template.spec.containers.find((c) => c.name === 'tests')!;
    const env = new Map(tests.env!.map((e) => [e.name, e]));
    expect(env.get('PGHOST')?.value).toBe('postgres.floe-test.svc.cluster.local');
    expect(env.get('POSTGRES_PORT')?.value).toBe('5432');
    expect(env.get('POSTGRES_DB')?.value).toBe('app');
    expect(env.get('POSTGRES_USER')).toEqual({
      name: 'POSTGRES_USER',
      valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'username' } },
    });
    expect(env.get('POSTGRES_PASSWORD')).toEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'password' } },
    });
    for (const e of tests.env!)
      if (/PASSWORD|USER|SECRET|TOKEN/.test(e.name)) expect(e.value, e.name).toBeUndefined();
    expect(env.get('INCLUSTER_RUN_ID')?.value).toBe('r20261124-a1b2');
    expect(env.get('INCLUSTER_SHARD_INDEX')?.valueFrom).toEqual({
      fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` },
    });
    expect(env.get('INCLUSTER_SHARD_COUNT')?.value).toBe('1');
    // The user's env is added; its POSTGRES_HOST replaces the service's (see 001-FR-145 below).
    expect(env.get('FEATURE')?.value).toBe('on');
    expect(tests.env!.filter((e) => e.name === 'POSTGRES_HOST')).toHaveLength(1);
  });

  test('without a Secret there are no credential variables at all', () => {
    const postgres = configSchema.parse({ postgres: { service: 'pg', port: 5433, database: 'd' } }).postgres;
    const services = [postgresContract(postgres, { namespace: 'floe-test', credentials: false })];
    const tests = job(spec({ services })).spec.template.spec.containers[0]!;
    const names = tests.env!.map((e) => e.name);
    for (const name of ['POSTGRES_PASSWORD', 'POSTGRES_USER', 'PGUSER', 'PGPASSWORD'])
      expect(names).not.toContain(name);
    expect(tests.env!.find((e) => e.name === 'DATABASE_URL')?.value).toBe(
      'postgresql://$(PGHOST):$(PGPORT)/$(PGDATABASE)?sslmode=disable',
    );
  });

  test('the copied Secret keeps the data and is labelled with the run', () => {
    const secret = copiedSecret({ data: { username: 'YXBw', password: 'c2VjcmV0' } }, 'pg', spec());
    expect(secret).toMatchObject({
      kind: 'Secret',
      metadata: {
        name: 'pg',
        namespace: 'incluster-run-r20261124-a1b2',
        labels: { 'incluster.dev/run-id': 'r20261124-a1b2' },
      },
      data: { username: 'YXBw', password: 'c2VjcmV0' },
    });
  });
});

describe('the test command', { tags: ['001-FR-016'] }, () => {
  test('unsharded: the configured command and the runner args, as they are', () => {
    expect(testCommand(spec())).toEqual(['npx', 'vitest', 'run', '--project', 'integration']);
  });
  test('sharded: --shard=<index+1>/<n>, the user arguments as positional parameters of sh', () => {
    const command = testCommand(spec({ shards: 2, runnerArgs: ['-t', "it's $(rm -rf /)"] }));
    expect(command.slice(0, 4)).toEqual([
      'sh',
      '-c',
      'exec "$@" "--shard=$((INCLUSTER_SHARD_INDEX + 1))/$INCLUSTER_SHARD_COUNT"',
      'incluster-shard',
    ]);
    expect(command.slice(4)).toEqual(['npx', 'vitest', 'run', '-t', "it's $(rm -rf /)"]);
  });
  test("sharded pods spread over the cluster's nodes, softly; one shard asks for nothing", () => {
    const podSpec = (shards: number) =>
      (runnerJob(spec({ shards })).spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(podSpec(3).topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'incluster.dev/run-id': 'r20261124-a1b2' } },
      },
    ]);
    expect(podSpec(1).topologySpreadConstraints).toBeUndefined();
  });
});

describe('namespace and RBAC', { tags: ['001-FR-012'] }, () => {
  test('the run namespace enforces the restricted Pod Security Standard and is labelled as ours', () => {
    expect(runNamespace(spec()).metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'app.kubernetes.io/managed-by': 'incluster',
      'incluster.dev/run-id': 'r20261124-a1b2',
    });
  });

  test('the Role grants exactly the configured rules, bound to the runner ServiceAccount only', () => {
    const rbac = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }];
    const [role, binding] = rbacObjects(spec({ rbac }), 'floe-test');
    expect(role).toMatchObject({ kind: 'Role', metadata: { namespace: 'floe-test' }, rules: rbac });
    expect(binding).toMatchObject({
      kind: 'RoleBinding',
      roleRef: { kind: 'Role', name: role!.metadata.name },
      subjects: [
        { kind: 'ServiceAccount', name: 'incluster-runner', namespace: 'incluster-run-r20261124-a1b2' },
      ],
    });
    expect(JSON.stringify([role, binding])).not.toContain('ClusterRole');
  });

  test(
    'runner.clusterRbac is a ClusterRole of the run, bound to its ServiceAccount; none without rules',
    { tags: ['001-FR-170'] },
    () => {
      expect(clusterRbacObjects(spec())).toEqual([]);
      const clusterRbac = [{ apiGroups: [''], resources: ['namespaces'], verbs: ['create', 'delete'] }];
      const [role, binding] = clusterRbacObjects(spec({ clusterRbac }));
      expect(role).toMatchObject({
        kind: 'ClusterRole',
        metadata: {
          name: 'incluster-runner-r20261124-a1b2',
          labels: { 'incluster.dev/run-id': 'r20261124-a1b2' },
        },
        rules: clusterRbac,
      });
      expect(role!.metadata.namespace).toBeUndefined();
      expect(binding).toMatchObject({
        kind: 'ClusterRoleBinding',
        roleRef: { kind: 'ClusterRole', name: 'incluster-runner-r20261124-a1b2' },
        subjects: [
          { kind: 'ServiceAccount', name: 'incluster-runner', namespace: 'incluster-run-r20261124-a1b2' },
        ],
      });
    },
  );
});
