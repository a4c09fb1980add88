// PostgreSQL with TLS (`postgres.tls.enabled`). `up` keeps one CA per cluster (the Secret
// `incluster-ca` in the services' namespace, made with openssl the first time), publishes its
// certificate as the ConfigMap `incluster-ca` (what clients trust), issues the server a certificate
// for the Service's DNS names (the Secret `<service>-tls`, re-issued when the names or the CA
// change), and turns TLS on in the built-in PostgreSQL StatefulSet; with `required`, its pg_hba
// rejects connections without TLS. The runner pod gets the CA mounted and sslmode=verify-full.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { InfrastructureError } from '../errors.ts';
import { describeKubeError, isNotFound } from '../kube/api-error.ts';
import type { KubeClient } from '../kube/client.ts';
import { applyManifests } from '../kube/apply.ts';
import type { KubeObject, ManifestObject } from '../kube/manifests.ts';
import { managedByLabels } from '../ownership.ts';
import { runCommand } from '../process/exec.ts';

/** The Secret (key and certificate) and ConfigMap (certificate only) of the cluster's services CA. */
export const SERVICES_CA = 'incluster-ca';
/** Where the runner pod finds the CA certificate. */
export const CA_MOUNT_DIR = '/etc/incluster/ca';
export const CA_FILE = `${CA_MOUNT_DIR}/ca.crt`;
/** Where the server's certificate and key are mounted in the PostgreSQL container. */
const SERVER_TLS_DIR = '/etc/postgresql/tls';
const HBA_DIR = '/etc/postgresql/hba';

/** The names the server certificate is valid for: every form of the Service's DNS name. */
export function serverNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** The Secret holding the server's certificate. */
export function serverSecretName(postgres: Config['postgres']): string {
  return `${postgres.service}-tls`;
}

/** What `up` made: the CA certificate (PEM) and the names the server's certificate carries. */
export interface PostgresTls {
  caCertificate: string;
  names: string[];
  /** Changes whenever the server certificate is re-issued: the pod template carries it, so it rolls. */
  revision: string;
}

/** Ensures the CA, its ConfigMap and the server certificate; re-issues the server's when stale. */
export async function ensurePostgresTls(
  client: KubeClient,
  config: Config,
  signal?: AbortSignal,
): Promise<PostgresTls> {
  const namespace = config.namespace;
  const ca = await ensureCa(client, namespace, config.cluster.name, signal);
  await applyManifests(
    client,
    [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: SERVICES_CA, labels: managedByLabels() },
        data: { 'ca.crt': ca.crt },
      },
    ],
    { namespace, signal },
  );
  const names = serverNames(config.postgres.service, namespace);
  const name = serverSecretName(config.postgres);
  const fingerprint = createHash('sha256').update(ca.crt).digest('hex').slice(0, 16);
  const existing = await readSecret(client, namespace, name);
  const current = existing?.metadata?.annotations;
  if (current?.['incluster.dev/ca'] !== fingerprint || current['incluster.dev/names'] !== names.join(',')) {
    const server = await issueServerCertificate(ca, names, signal);
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        labels: managedByLabels(),
        annotations: { 'incluster.dev/ca': fingerprint, 'incluster.dev/names': names.join(',') },
      },
      type: 'kubernetes.io/tls',
      stringData: { 'tls.crt': server.crt, 'tls.key': server.key, 'ca.crt': ca.crt },
    };
    if (existing) await client.core.deleteNamespacedSecret({ namespace, name });
    await client.core.createNamespacedSecret({ namespace, body });
  }
  return { caCertificate: ca.crt, names, revision: `${fingerprint}-${names.length}` };
}

/**
 * The service objects with TLS turned on in the built-in PostgreSQL StatefulSet (named like the
 * Service, container `postgres`), and the pg_hba ConfigMap it reads. Other objects are untouched.
 */
export function withPostgresTls(
  objects: readonly ManifestObject[],
  postgres: Config['postgres'],
  revision = '',
): ManifestObject[] {
  const hbaName = `${postgres.service}-hba`;
  let found = false;
  const out = objects.map((entry) => {
    const { object } = entry;
    if (object.kind !== 'StatefulSet' || object.metadata.name !== postgres.service) return entry;
    const copy = structuredClone(object) as KubeObject & {
      spec: {
        template: {
          metadata?: { annotations?: Record<string, string> };
          spec: { containers: Record<string, unknown>[]; volumes?: unknown[] };
        };
      };
    };
    const pod = copy.spec.template.spec;
    copy.spec.template.metadata = {
      ...copy.spec.template.metadata,
      annotations: {
        ...copy.spec.template.metadata?.annotations,
        // A new certificate or pg_hba (both read at start) rolls the pod.
        'incluster.dev/tls-revision': `${revision}${postgres.tls.required ? '-required' : ''}`,
      },
    };
    const container = pod.containers.find((c) => c.name === 'postgres');
    if (!container) return entry;
    found = true;
    container.args = [
      'postgres',
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${SERVER_TLS_DIR}/tls.crt`,
      '-c',
      `ssl_key_file=${SERVER_TLS_DIR}/tls.key`,
      '-c',
      `hba_file=${HBA_DIR}/pg_hba.conf`,
    ];
    container.volumeMounts = [
      ...((container.volumeMounts as unknown[] | undefined) ?? []),
      { name: 'tls', mountPath: SERVER_TLS_DIR, readOnly: true },
      { name: 'hba', mountPath: HBA_DIR, readOnly: true },
    ];
    // PostgreSQL accepts a key owned by root only with mode 0640 or stricter: root:<fsGroup> 0640.
    pod.volumes = [
      ...(pod.volumes ?? []),
      { name: 'tls', secret: { secretName: serverSecretName(postgres), defaultMode: 0o640 } },
      { name: 'hba', configMap: { name: hbaName } },
    ];
    return { ...entry, object: copy };
  });
  if (!found) return out;
  const hba = [
    '# Written by incluster (postgres.tls): the local socket for the entrypoint, then the network.',
    'local all all trust',
    ...(postgres.tls.required ? ['hostnossl all all all reject'] : []),
    'host all all all scram-sha-256',
    '',
  ].join('\n');
  return [
    ...out,
    {
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: hbaName },
        data: { 'pg_hba.conf': hba },
      },
      source: { file: '<postgres.tls>', document: 1, line: 1 },
    },
  ];
}

/** The CA from its Secret, made (and stored) the first time. */
async function ensureCa(
  client: KubeClient,
  namespace: string,
  clusterName: string,
  signal?: AbortSignal,
): Promise<{ crt: string; key: string }> {
  const existing = await readSecret(client, namespace, SERVICES_CA);
  const decode = (value: string | undefined) => (value ? Buffer.from(value, 'base64').toString('utf8') : '');
  if (existing?.data?.['ca.crt'] && existing.data['ca.key']) {
    const ca = { crt: decode(existing.data['ca.crt']), key: decode(existing.data['ca.key']) };
    client.redactor.add(ca.key.trim());
    if (new X509Certificate(ca.crt).validToDate.getTime() > Date.now() + 86_400_000) return ca;
    await client.core.deleteNamespacedSecret({ namespace, name: SERVICES_CA });
  }
  const ca = await withScratch(async (dir) => {
    await generateKey(join(dir, 'ca.key'), signal);
    await openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        join(dir, 'ca.key'),
        '-subj',
        `/CN=incluster services CA (${clusterName})`,
        '-days',
        '3650',
        '-sha256',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        join(dir, 'ca.crt'),
      ],
      signal,
    );
    return {
      crt: await readFile(join(dir, 'ca.crt'), 'utf8'),
      key: await readFile(join(dir, 'ca.key'), 'utf8'),
    };
  });
  client.redactor.add(ca.key.trim());
  await client.core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: SERVICES_CA, labels: managedByLabels() },
      type: 'Opaque',
      stringData: { 'ca.crt': ca.crt, 'ca.key': ca.key },
    },
  });
  return ca;
}

/** A server certificate for `names`, signed by the CA. */
function issueServerCertificate(
  ca: { crt: string; key: string },
  names: readonly string[],
  signal?: AbortSignal,
): Promise<{ crt: string; key: string }> {
  return withScratch(async (dir) => {
    await writeFile(join(dir, 'ca.crt'), ca.crt);
    await writeFile(join(dir, 'ca.key'), ca.key, { mode: 0o600 });
    await generateKey(join(dir, 'server.key'), signal);
    await openssl(
      [
        'req',
        '-new',
        '-key',
        join(dir, 'server.key'),
        '-subj',
        `/CN=${names.at(-1)}`,
        '-out',
        join(dir, 'server.csr'),
      ],
      signal,
    );
    await writeFile(
      join(dir, 'server.ext'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`,
        '',
      ].join('\n'),
    );
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        join(dir, 'server.csr'),
        '-CA',
        join(dir, 'ca.crt'),
        '-CAkey',
        join(dir, 'ca.key'),
        '-set_serial',
        `0x${createHash('sha256').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 16)}`,
        '-days',
        '825',
        '-sha256',
        '-extfile',
        join(dir, 'server.ext'),
        '-out',
        join(dir, 'server.crt'),
      ],
      signal,
    );
    return {
      crt: await readFile(join(dir, 'server.crt'), 'utf8'),
      key: await readFile(join(dir, 'server.key'), 'utf8'),
    };
  });
}

async function readSecret(client: KubeClient, namespace: string, name: string) {
  try {
    return await client.core.readNamespacedSecret({ namespace, name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new InfrastructureError(
      'SecretUnavailable',
      `reading Secret ${namespace}/${name}: ${describeKubeError(error)}`,
      {
        cause: error,
      },
    );
  }
}

async function withScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'incluster-tls-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function generateKey(path: string, signal?: AbortSignal): Promise<unknown> {
  return openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path],
    signal,
  );
}

function openssl(args: string[], signal?: AbortSignal): Promise<unknown> {
  return runCommand('openssl', args, { signal });
}
