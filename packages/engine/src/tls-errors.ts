import { causeChain } from './errors.ts';

/**
 * Node's TLS verification failures (`error.code` of the socket error): the server's certificate
 * is not signed by a CA we trust, not for the host we asked for, or out of its validity. They
 * do not go away by retrying, unlike a refused or reset connection, so both adapters turn them
 * into configuration errors that name the CA setting.
 */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The code and message of an untrusted-certificate failure in `error` or its causes, else null. */
export function untrustedCertificate(error: unknown): { code: string; message: string } | null {
  for (const cause of causeChain(error)) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) {
      return { code, message: cause.message.replace(/^Connection error: /, '') };
    }
  }
  return null;
}

/**
 * True when a TLS client got plain text back (`wrong version number`): the port speaks no TLS.
 * Unambiguous, unlike a connection the server just closes.
 */
export function notTlsReply(error: unknown): boolean {
  return causeChain(error).some(
    (cause) =>
      (cause as { code?: unknown }).code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
      /wrong version number/i.test(cause.message),
  );
}

/**
 * True when the server accepted the TCP connection and closed it before the TLS handshake
 * finished. A plaintext port does that to a TLS client hello; so may a server going down at
 * that very moment, which is why callers only take it for configuration before they ever
 * connected.
 */
export function tlsHandshakeCut(error: unknown): boolean {
  return causeChain(error).some((cause) =>
    /socket disconnected before secure TLS connection was established/i.test(cause.message),
  );
}
