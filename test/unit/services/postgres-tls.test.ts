// PostgreSQL with TLS as plain data: the runner pod's variables and CA mount, and the StatefulSet
// turned to TLS (the key readable only as PostgreSQL accepts, pg_hba rejecting plain connections
// only when required, the pod rolling when the certificate changes).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { configSchema } from '../../../src/config/schema.ts';
import { parseManifests } from '../../../src/kube/manifests.ts';
import { runnerJob, type RunnerSpec } from '../../../src/runner/job.ts';
import { unexpandedReferences } from '../../../src/services/contract.ts';
import { CA_FILE, serverNames, withPostgresTls } from '../../../src/services/postgres-tls.ts';
import { serviceContracts } from '../../../src/services/registry.ts';

const ROOT = join(import.meta.dirname, '../../..');
const tlsConfig = (required = false) =>
  configSchema.parse({ postgres: { tls: { enabled: true, required } } });

describe('PostgreSQL with TLS', { tags: ['001-FR-087'] }, () => {
  test('the runner pod gets verify-full, the CA file and its mount once the CA is shared', () => {
    const config = tlsConfig();
    const shared = { secrets: new Set(['postgres-credentials']), configMaps: new Set(['incluster-ca']) };
    const services = serviceContracts(config, shared);
    const env = new Map(services[0]!.env.map((e) => [e.name, e]));
    expect(env.get('PGSSLMODE')).toEqual({ name: 'PGSSLMODE', value: 'verify-full' });
    expect(env.get('PGSSLROOTCERT')).toEqual({ name: 'PGSSLROOTCERT', value: CA_FILE });
    expect(env.get('NODE_EXTRA_CA_CERTS')).toEqual({ name: 'NODE_EXTRA_CA_CERTS', value: CA_FILE });
    expect(env.get('DATABASE_URL')).toMatchObject({
      value: `postgresql://$(PGUSER):$(PGPASSWORD)@$(PGHOST):$(PGPORT)/$(PGDATABASE)?sslmode=verify-full&sslrootcert=${CA_FILE}`,
    });
    expect(unexpandedReferences(services[0]!.env)).toEqual([]);
    const spec: RunnerSpec = {
      runId: 'r1',
      namespace: 'incluster-run-r1',
      servicesNamespace: 'floe-test',
      clusterName: 'floe-test',
      image: 'runner:0123456789abcdef',
      imagePullPolicy: 'Never',
      command: ['npx', 'vitest', 'run'],
      runnerArgs: [],
      shards: 1,
      timeoutSeconds: 60,
      ttlSeconds: 60,
      resources: config.runner.resources,
      artifactsSizeLimit: '1Gi',
      env: [],
      rbac: [],
      services,
    };
    const job = runnerJob(spec) as unknown as {
      spec: { template: { spec: { containers: { volumeMounts: unknown[] }[]; volumes: unknown[] } } };
    };
    const pod = job.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'service-files-0', configMap: { name: 'incluster-ca' } });
    expect(pod.containers[0]!.volumeMounts).toContainEqual({
      name: 'service-files-0',
      mountPath: '/etc/incluster/ca',
      readOnly: true,
    });
    // Without the CA in the services' namespace (up not run with TLS yet): plain, no mount.
    const plain = serviceContracts(config, { secrets: shared.secrets, configMaps: new Set() });
    expect(plain[0]!.env.find((e) => e.name === 'PGSSLMODE')).toMatchObject({ value: 'disable' });
    expect(plain[0]!.mounts).toBeUndefined();
  });

  test('the built-in StatefulSet serves TLS; pg_hba rejects plain connections only when required', async () => {
    const text = await readFile(join(ROOT, 'testing/k8s/services/postgres.yaml'), 'utf8');
    const objects = parseManifests(text, 'postgres.yaml');
    for (const required of [false, true]) {
      const out = withPostgresTls(objects, tlsConfig(required).postgres, 'rev1');
      const set = out.find((o) => o.object.kind === 'StatefulSet')!.object as unknown as {
        spec: {
          template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> };
        };
      };
      const text = JSON.stringify(set);
      expect(text).toContain('ssl=on');
      expect(text).toContain('"secretName":"postgres-tls","defaultMode":416');
      expect(set.spec.template.metadata.annotations['incluster.dev/tls-revision']).toBe(
        required ? 'rev1-required' : 'rev1',
      );
      const hba = out.find((o) => o.object.kind === 'ConfigMap')!.object as unknown as {
        data: Record<string, string>;
      };
      expect(hba.data['pg_hba.conf']!.includes('hostnossl all all all reject')).toBe(required);
      expect(hba.data['pg_hba.conf']).toContain('host all all all scram-sha-256');
    }
    expect(withPostgresTls(objects, configSchema.parse({ postgres: { service: 'db' } }).postgres)).toEqual(
      objects,
    );
  });

  test('the server certificate is for every form of the Service name', () => {
    expect(serverNames('postgres', 'ns')).toEqual([
      'postgres',
      'postgres.ns',
      'postgres.ns.svc',
      'postgres.ns.svc.cluster.local',
    ]);
  });
});
