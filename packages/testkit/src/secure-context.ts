import { inject } from 'vitest';
import type { SaslUser } from './secure-kafka-broker.ts';

/** What secure-global-setup.ts started, as the tests of the `secure` project see it. */
export interface ProvidedSecureInfrastructure {
  /** PEM of the CA that signed both servers' certificates. */
  caFile: string;
  /** PEM of an unrelated CA: trusting it instead must fail. */
  wrongCaFile: string;
  kafka: {
    /** The SASL_SSL listener. */
    secureBrokers: string[];
    /** The same broker's PLAINTEXT listener, for setup and checks. */
    plainBrokers: string[];
    scramUser: SaslUser;
    plainUser: SaslUser;
  };
  redis: {
    /** Default user on the plain port, for setup and checks. */
    adminUrl: string;
    port: number;
    tlsPort: number;
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    secureInfrastructure: ProvidedSecureInfrastructure;
  }
}

export interface SecureInfrastructure extends ProvidedSecureInfrastructure {
  /** `rediss://<user>:<password>@127.0.0.1:<tlsPort>`, both percent-encoded. */
  redisTlsUrl(user: string, password: string): string;
}

/** The run's TLS/SASL Kafka broker and TLS Redis (only in the `secure` test project). */
export function secureInfrastructure(): SecureInfrastructure {
  const provided = inject('secureInfrastructure');
  return {
    ...provided,
    redisTlsUrl: (user, password) =>
      `rediss://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${provided.redis.tlsPort}`,
  };
}
