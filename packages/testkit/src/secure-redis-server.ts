import { Redis } from 'ioredis';
import { findFreePort } from './free-port.ts';
import { startRedisServer } from './redis-server.ts';
import type { TestCertificates } from './test-certificates.ts';

export interface SecureRedisServerHandle {
  /**
   * `redis://127.0.0.1:<port>`, the default user: for test setup and checks (creating ACL
   * users, reading back snapshots), like an operator's admin access. Apps under test never use
   * it, except to be refused on it ("TLS to a plaintext port").
   */
  readonly adminUrl: string;
  readonly port: number;
  /** The TLS port (`rediss://`), server certificate signed by the test CA. */
  readonly tlsPort: number;
  stop(): Promise<void>;
}

/**
 * The machine's `redis-server` (run-server.sh, like every other test Redis) with a TLS port
 * as well. TLS is switched on with CONFIG SET once the server answers (Redis ≥ 7.0 accepts
 * `tls-port` at run time), so the plain start path stays the only one. Clients are not asked
 * for certificates (`tls-auth-clients no`): they authenticate with ACL users, which each test
 * creates for its own key prefix.
 */
export async function startSecureRedisServer(
  certificates: TestCertificates,
): Promise<SecureRedisServerHandle> {
  const server = await startRedisServer();
  const tlsPort = await findFreePort();
  const admin = new Redis(server.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await admin.connect();
    await admin.config(
      'SET',
      'tls-cert-file',
      certificates.certFile,
      'tls-key-file',
      certificates.keyFile,
      'tls-ca-cert-file',
      certificates.caFile,
      'tls-auth-clients',
      'no',
    );
    await admin.config('SET', 'tls-port', String(tlsPort));
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    admin.disconnect();
  }
  return {
    adminUrl: server.url,
    port: server.port,
    tlsPort,
    stop: () => server.stop(),
  };
}
