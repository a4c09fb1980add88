import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  clientCertificateProblem,
  describeServerCertificate,
  tlsFailureCode,
} from '../../../src/kube/certificate.ts';
import { isTransient } from '../../../src/kube/retry.ts';
import { selfSignedCertificate } from '../../support/certificates.ts';

const tls = (code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

/** A kubeconfig whose user holds `cert` (PEM), as `client-certificate-data`. */
function kubeconfigWith(cert: Buffer): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false }],
    users: [{ name: 'u', certData: cert.toString('base64'), keyData: 'unused' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('certificate failures in words', { tags: ['001-FR-015', '001-FR-045'] }, () => {
  let cert: Buffer;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'incluster-cert-'));
    const pair = await selfSignedCertificate(dir, 'cert', { subject: '/CN=unit-client' });
    cert = await readFile(pair.crt);
  });

  test('a client certificate past its notAfter is named with its subject and date; a valid one is not', () => {
    const kc = kubeconfigWith(cert);
    expect(clientCertificateProblem(kc)).toBeUndefined();
    const later = new Date(Date.now() + 3 * 86_400_000);
    expect(clientCertificateProblem(kc, later)).toMatch(
      /^our client certificate \(CN=unit-client\) has expired: notAfter \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, now /,
    );
    const earlier = new Date(Date.now() - 3 * 86_400_000);
    expect(clientCertificateProblem(kc, earlier)).toMatch(/is not valid yet: notBefore /);
  });

  test('a kubeconfig without a client certificate (a token) has no certificate problem', () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(clientCertificateProblem(kc)).toBeUndefined();
  });

  test('an expired server certificate says so with its date; an unknown CA says not trusted', () => {
    const notAfter = new Date('2020-01-02T00:00:00Z');
    const expired = describeServerCertificate('CERT_HAS_EXPIRED', {
      subject: 'CN=x',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter,
    });
    expect(expired.why).toMatch(
      /^its TLS certificate has expired \(CERT_HAS_EXPIRED, notAfter 2020-01-02T00:00:00Z, now /,
    );
    expect(describeServerCertificate('SELF_SIGNED_CERT_IN_CHAIN').why).toBe(
      'its TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)',
    );
  });

  test('a refused certificate is found through causes and is not retried', () => {
    expect(tlsFailureCode(tls('CERT_HAS_EXPIRED'))).toBe('CERT_HAS_EXPIRED');
    expect(tlsFailureCode(tls('ECONNREFUSED'))).toBeUndefined();
    expect(isTransient(tls('CERT_HAS_EXPIRED'))).toBe(false);
    expect(isTransient(tls('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe(false);
    expect(isTransient(tls('ECONNREFUSED'))).toBe(true);
  });
});
