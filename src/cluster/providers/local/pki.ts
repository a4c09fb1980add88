// The local cluster's PKI, made with openssl: one CA, serving and client certificates for every
// component, and the service-account signing key. ECDSA P-256 keys: generated in milliseconds,
// accepted by every Kubernetes component.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../../process/exec.ts';
import { sourceTemplate } from '../../../source-files.ts';
import { NETWORK, type LocalLayout } from './layout.ts';
import { pathExists } from '../../../process/paths.ts';

/** One certificate to issue from the cluster CA. */
export interface CertificateSpec {
  /** File stem: `<name>.crt` and `<name>.key`. */
  name: string;
  commonName: string;
  organization?: string;
  usage: 'server' | 'client' | 'both';
  dnsNames?: string[];
  ips?: string[];
}

/** Every certificate the cluster needs, derived from its layout. */
export function certificateSpecs(layout: LocalLayout): CertificateSpec[] {
  return [
    {
      name: 'apiserver',
      commonName: 'kube-apiserver',
      usage: 'server',
      dnsNames: [
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        'localhost',
        layout.nodeName,
      ],
      ips: ['127.0.0.1', NETWORK.apiServiceIp, NETWORK.nodeIp],
    },
    {
      name: 'apiserver-kubelet-client',
      commonName: 'kube-apiserver-kubelet-client',
      organization: 'system:masters',
      usage: 'client',
    },
    { name: 'admin', commonName: 'incluster-admin', organization: 'system:masters', usage: 'client' },
    { name: 'controller-manager', commonName: 'system:kube-controller-manager', usage: 'client' },
    { name: 'scheduler', commonName: 'system:kube-scheduler', usage: 'client' },
    {
      name: 'kube-proxy',
      commonName: 'system:kube-proxy',
      organization: 'system:node-proxier',
      usage: 'client',
    },
    {
      name: 'kubelet-client',
      commonName: `system:node:${layout.nodeName}`,
      organization: 'system:nodes',
      usage: 'client',
    },
    {
      name: 'kubelet-serving',
      commonName: layout.nodeName,
      usage: 'server',
      dnsNames: [layout.nodeName, 'localhost'],
      ips: [NETWORK.nodeIp, '127.0.0.1'],
    },
  ];
}

/** Creates the CA, every certificate and the service-account key pair, keeping those that exist. */
export async function ensurePki(layout: LocalLayout, signal?: AbortSignal): Promise<void> {
  const dir = layout.pkiDir;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = { crt: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  if (!(await pathExists(ca.crt))) {
    await generateKey(ca.key, signal);
    await openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        ca.key,
        '-subj',
        '/CN=incluster-ca',
        '-days',
        '3650',
        '-sha256',
        '-out',
        ca.crt,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      ],
      signal,
    );
  }
  for (const spec of certificateSpecs(layout)) {
    if (await pathExists(join(dir, `${spec.name}.crt`))) continue;
    await issueCertificate(dir, ca, spec, signal);
  }
  const saKey = join(dir, 'sa.key');
  if (!(await pathExists(saKey))) {
    await generateKey(saKey, signal);
    await openssl(['pkey', '-in', saKey, '-pubout', '-out', join(dir, 'sa.pub')], signal);
  }
}

async function issueCertificate(
  dir: string,
  ca: { crt: string; key: string },
  spec: CertificateSpec,
  signal?: AbortSignal,
): Promise<void> {
  const key = join(dir, `${spec.name}.key`);
  const csr = join(dir, `${spec.name}.csr`);
  const ext = join(dir, `${spec.name}.ext`);
  await generateKey(key, signal);
  const subject = `/CN=${spec.commonName}${spec.organization ? `/O=${spec.organization}` : ''}`;
  await openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], signal);
  await writeFile(ext, extensionsFor(spec));
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.crt,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-days',
      '825',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      join(dir, `${spec.name}.crt`),
    ],
    signal,
  );
}

/** The X.509 v3 extensions of a certificate, as an openssl extfile. */
export function extensionsFor(spec: CertificateSpec): string {
  const usages = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[spec.usage];
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${usages}`,
  ];
  const alt = [...(spec.dnsNames ?? []).map((d) => `DNS:${d}`), ...(spec.ips ?? []).map((ip) => `IP:${ip}`)];
  if (alt.length) lines.push(`subjectAltName=${alt.join(',')}`);
  return `${lines.join('\n')}\n`;
}

/** A kubeconfig that embeds the CA and a client certificate, so it works from any directory. */
export async function writeKubeconfig(
  path: string,
  layout: LocalLayout,
  cert: string,
  user: string,
  server: string,
): Promise<void> {
  const b64 = async (file: string) => (await readFile(join(layout.pkiDir, file))).toString('base64');
  const context = `incluster-${layout.clusterName}`;
  const text = sourceTemplate(import.meta.url, 'pki/kubeconfig.yaml', {
    CONTEXT: context,
    SERVER: server,
    CA_DATA: await b64('ca.crt'),
    USER: user,
    CERT_DATA: await b64(`${cert}.crt`),
    KEY_DATA: await b64(`${cert}.key`),
  });
  await writeFile(path, text, { mode: 0o600 });
}

async function generateKey(path: string, signal?: AbortSignal): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path], signal);
}

async function openssl(args: string[], signal?: AbortSignal): Promise<void> {
  await runCommand('openssl', args, { signal });
}
