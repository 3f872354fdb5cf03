import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM and PKCS#12 files of one test run's certificate authority and server certificate. */
export interface TestCertificates {
  /** PEM of the CA that signed the server certificate: what clients trust. */
  readonly caFile: string;
  /** PEM of another CA that signed nothing here: the "wrong CA" of negative tests. */
  readonly wrongCaFile: string;
  /** PEM server certificate, SAN `IP:127.0.0.1, DNS:localhost`, signed by the CA. */
  readonly certFile: string;
  /** PEM (PKCS#8, unencrypted) private key of the server certificate. */
  readonly keyFile: string;
  /** The key and certificate as a PKCS#12 keystore, for the Kafka broker (JSSE). */
  readonly keystoreFile: string;
  readonly keystorePassword: string;
}

/**
 * Generates, with `openssl`, a CA, a server certificate it signs and a second unrelated CA,
 * into `dir`. Nothing is checked in: every run has its own keys. EC P-256 keys, because RSA
 * key generation costs seconds on a loaded 2-core machine. Valid for a day: the test does not
 * depend on the date beyond "now is inside the validity".
 */
export function createTestCertificates(dir: string): TestCertificates {
  const path = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const selfSignedCa = (name: string, subject: string) =>
    openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.pem`),
      '-days',
      '1',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  selfSignedCa('ca', '/CN=checkout test CA');
  selfSignedCa('wrong-ca', '/CN=checkout test CA (not the one that signed the servers)');
  openssl([
    'req',
    '-new',
    ...ec,
    '-keyout',
    path('server.key'),
    '-out',
    path('server.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  openssl([
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.pem'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-out',
    path('server.pem'),
    '-days',
    '1',
    '-extfile',
    writeExtensions(dir),
  ]);
  const keystorePassword = randomBytes(12).toString('hex');
  openssl([
    'pkcs12',
    '-export',
    '-in',
    path('server.pem'),
    '-inkey',
    path('server.key'),
    '-certfile',
    path('ca.pem'),
    '-name',
    'server',
    '-out',
    path('server.p12'),
    '-passout',
    `pass:${keystorePassword}`,
  ]);
  return {
    caFile: path('ca.pem'),
    wrongCaFile: path('wrong-ca.pem'),
    certFile: path('server.pem'),
    keyFile: path('server.key'),
    keystoreFile: path('server.p12'),
    keystorePassword,
  };
}

function writeExtensions(dir: string): string {
  const file = join(dir, 'server.ext');
  writeFileSync(
    file,
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature,keyEncipherment',
    ].join('\n'),
  );
  return file;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
