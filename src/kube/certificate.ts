// Certificate failures in words a person can act on. Node reports an expired API server certificate
// as `fetch failed` caused by `CERT_HAS_EXPIRED`, without the date; and the API server answers an
// expired client certificate with a bare 401 Unauthorized. Both are common (a cluster left running
// for a year, a kubeconfig copied long ago) and both need their dates to be fixed quickly.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import type { KubeConfig } from '@kubernetes/client-node';

/** Codes of a certificate that is fine except for the clock: the server's dates make them actionable. */
const DATED_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** A certificate's subject and validity window. */
export interface CertificateDates {
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/** The OpenSSL/Node code of a TLS verification failure in `error` or its causes, if it is one. */
export function tlsFailureCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/.test(code)
    )
      return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Why the API server's certificate was refused, and what to do; `presented` adds its dates. */
export function describeServerCertificate(
  code: string,
  presented?: CertificateDates,
): { why: string; hint: string } {
  const dates = presented ? `, notAfter ${iso(presented.notAfter)}` : '';
  if (code === 'CERT_HAS_EXPIRED')
    return {
      why: `its TLS certificate has expired (${code}${dates}${presented ? `, now ${iso(new Date())}` : ''})`,
      hint: "renew the API server's serving certificate, or check this machine's clock",
    };
  if (code === 'CERT_NOT_YET_VALID')
    return {
      why: `its TLS certificate is not valid yet (${code}${presented ? `, notBefore ${iso(presented.notBefore)}` : ''})`,
      hint: "check this machine's clock against the API server's",
    };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return {
      why: `its TLS certificate does not name this address (${code})`,
      hint: 'use the server address the certificate was issued for, or reissue it with this one',
    };
  return {
    why: `its TLS certificate is not trusted (${code})`,
    hint: "the kubeconfig's certificate-authority must be the CA that signed the API server's certificate",
  };
}

/**
 * The certificate `server` presents, read without verifying it, to date an expired or not-yet-valid
 * one; undefined for other failures or when the server cannot be read within 5 s.
 */
export async function presentedCertificate(
  server: string,
  error: unknown,
): Promise<CertificateDates | undefined> {
  const code = tlsFailureCode(error);
  if (!code || !DATED_CODES.has(code)) return undefined;
  const url = new URL(server);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      // Only to read the dates of a certificate already refused; nothing is sent over this socket.
      rejectUnauthorized: false,
      timeout: 5000,
    });
    const done = (dates: CertificateDates | undefined) => {
      socket.destroy();
      resolve(dates);
    };
    socket.once('secureConnect', () => {
      const raw = socket.getPeerX509Certificate();
      done(raw ? datesOf(raw) : undefined);
    });
    socket.once('error', () => done(undefined));
    socket.once('timeout', () => done(undefined));
  });
}

/** Why the kubeconfig's client certificate cannot authenticate now (expired, not yet valid), if so. */
export function clientCertificateProblem(kc: KubeConfig, now: Date = new Date()): string | undefined {
  const user = kc.getCurrentUser();
  let pem: Buffer | undefined;
  try {
    if (user?.certData) pem = Buffer.from(user.certData, 'base64');
    else if (user?.certFile) pem = readFileSync(user.certFile);
  } catch {
    return undefined; // an unreadable file is reported by the client library itself
  }
  if (!pem) return undefined;
  let dates: CertificateDates;
  try {
    dates = datesOf(new X509Certificate(pem));
  } catch {
    return undefined;
  }
  if (dates.notAfter.getTime() < now.getTime())
    return `our client certificate (${dates.subject}) has expired: notAfter ${iso(dates.notAfter)}, now ${iso(now)}`;
  if (dates.notBefore.getTime() > now.getTime())
    return `our client certificate (${dates.subject}) is not valid yet: notBefore ${iso(dates.notBefore)}, now ${iso(now)}`;
  return undefined;
}

function datesOf(certificate: X509Certificate): CertificateDates {
  return {
    subject: certificate.subject.split('\n').join(', '),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
  };
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
