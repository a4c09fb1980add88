// Throwaway certificates made with openssl for tests that stage TLS failures: a self-signed CA or
// leaf, a key with its signing request, and a leaf signed for exact dates (already expired, say).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../src/process/exec.ts';

/** Where a key pair was written. */
export interface KeyPair {
  crt: string;
  key: string;
}

/** A self-signed P-256 certificate `<name>.crt` and key `<name>.key` in `dir`; `ca` marks it a CA. */
export async function selfSignedCertificate(
  dir: string,
  name: string,
  options: { subject: string; days?: number; ca?: boolean; altNames?: string[] },
): Promise<KeyPair> {
  const pair = { crt: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const caExtensions = options.ca
    ? ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']
    : [];
  if (options.altNames) caExtensions.push('-addext', `subjectAltName=${options.altNames.join(',')}`);
  await runCommand('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    String(options.days ?? 1),
    '-subj',
    options.subject,
    ...caExtensions,
    '-keyout',
    pair.key,
    '-out',
    pair.crt,
  ]);
  return pair;
}

/** A fresh P-256 key `<name>.key` and a certificate signing request `<name>.csr` for `subject`. */
export async function keyAndRequest(dir: string, name: string, subject: string): Promise<void> {
  await runCommand('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    subject,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.csr`),
  ]);
}

/** openssl's `YYYYMMDDHHMMSSZ` for `openssl ca -startdate/-enddate`. */
function asn1Time(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Signs `<name>.csr` with the CA for exactly `notBefore`..`notAfter` and returns the certificate's
 * path (openssl 3.0's `x509 -req` takes only `-days`, so an already-expired certificate needs
 * `openssl ca` and a minimal database).
 */
export async function signWithDates(
  dir: string,
  name: string,
  ca: KeyPair,
  extensions: string,
  notBefore: Date,
  notAfter: Date,
): Promise<string> {
  const db = await mkdtemp(join(dir, `${name}-ca-`));
  await writeFile(join(db, 'index.txt'), '');
  await writeFile(join(db, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  await writeFile(
    join(db, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = fault',
      '[fault]',
      `database = ${join(db, 'index.txt')}`,
      `new_certs_dir = ${db}`,
      `serial = ${join(db, 'serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'x509_extensions = leaf',
      '[any]',
      'commonName = supplied',
      '[leaf]',
      extensions,
      '',
    ].join('\n'),
  );
  const out = join(dir, `${name}.crt`);
  await runCommand('openssl', [
    'ca',
    '-batch',
    '-notext',
    '-config',
    join(db, 'ca.cnf'),
    '-cert',
    ca.crt,
    '-keyfile',
    ca.key,
    '-startdate',
    asn1Time(notBefore),
    '-enddate',
    asn1Time(notAfter),
    '-in',
    join(dir, `${name}.csr`),
    '-out',
    out,
  ]);
  return out;
}
