import { projectorAclRules } from '@checkout/redis';
import { createAclUser, secureInfrastructure, type SecureInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import { projectorHarness } from './testing/projector-harness.ts';
import { secureEnv } from './testing/secure-env.ts';

/** Far above the slowest case (kafkajs' own retries, about 12 s): reaching it means a hang. */
const EXIT_DEADLINE_MS = 60_000;

/**
 * Issue 10 §2: each misconfiguration of TLS, SASL or the Redis ACL ends the projector with
 * exit code 2 (bad configuration, main.ts) and one line that names the variable to fix, within
 * seconds: never a crash loop of retries or a process that waits, not ready, for ever. Real
 * servers; every case starts from the working secure environment and breaks one thing.
 */
describe('checkout-projector misconfigured against TLS/SASL Kafka and TLS/ACL Redis', () => {
  const cases: Array<{
    name: string;
    env: (secure: SecureInfrastructure, users: Users) => Record<string, string>;
    line: RegExp;
  }> = [
    {
      name: 'Kafka: a CA that did not sign the broker',
      env: (secure) => ({ KAFKA_SSL_CA_FILE: secure.wrongCaFile }),
      line: /KAFKA_SSL_CA_FILE: the broker's TLS certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN/,
    },
    {
      name: 'Kafka: a wrong SCRAM password',
      env: (secure) => ({ KAFKA_SASL_PASSWORD: `${secure.kafka.scramUser.password}-wrong` }),
      line: /KAFKA_SASL_PASSWORD: the broker refused the SASL login \(SASL SCRAM SHA512 authentication failed/,
    },
    {
      name: 'Kafka: a wrong PLAIN password',
      env: (secure) => ({
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: secure.kafka.plainUser.username,
        KAFKA_SASL_PASSWORD: `${secure.kafka.plainUser.password}-wrong`,
      }),
      line: /KAFKA_SASL_PASSWORD: the broker refused the SASL login \(SASL PLAIN authentication failed/,
    },
    {
      name: 'Kafka: a SASL mechanism the listener does not enable',
      env: () => ({ KAFKA_SASL_MECHANISM: 'scram-sha-256' }),
      line: /KAFKA_SASL_MECHANISM: the broker does not support this SASL mechanism/,
    },
    {
      name: 'Kafka: TLS to the plaintext listener',
      env: (secure) => ({ KAFKA_BROKERS: secure.kafka.plainBrokers.join(',') }),
      line: /KAFKA_SSL: the broker closed the connection during the TLS handshake/,
    },
    {
      name: 'Redis: a CA that did not sign the server',
      env: (secure) => ({ REDIS_TLS_CA_FILE: secure.wrongCaFile }),
      line: /REDIS_TLS_CA_FILE: Redis's TLS certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN/,
    },
    {
      name: 'Redis: a wrong password',
      env: (secure, users) => ({
        REDIS_URL: secure.redisTlsUrl(users.full.username, `${users.full.password}-wrong`),
      }),
      line: /WRONGPASS .*REDIS_URL/,
    },
    {
      name: 'Redis: an ACL user missing one permission (HMGET)',
      env: (secure, users) => ({
        REDIS_URL: secure.redisTlsUrl(users.noHmget.username, users.noHmget.password),
      }),
      line: /NOPERM this user has no permissions to run the 'hmget' command/,
    },
    {
      name: 'Redis: rediss:// to the plain port',
      env: (secure, users) => ({
        REDIS_URL: `rediss://${users.full.username}:${users.full.password}@127.0.0.1:${secure.redis.port}`,
      }),
      line: /REDIS_URL: the server answers in plain text, not TLS/,
    },
  ];

  // A deployment (topics, namespace, ACL users) per case, removed after it.
  const context = async () => {
    const secure = secureInfrastructure();
    const harness = await projectorHarness('misconfig', {
      brokers: secure.kafka.plainBrokers,
      redisUrl: secure.redis.adminUrl,
    });
    const rules = projectorAclRules(harness.namespace);
    const users: Users = {
      full: await createAclUser(secure.redis.adminUrl, harness.namespace, rules),
      noHmget: await createAclUser(
        secure.redis.adminUrl,
        `${harness.namespace}-no-hmget`,
        rules.filter((rule) => rule !== '+hmget'),
      ),
    };
    return { harness, secure, users };
  };

  it.each(cases)('$name: exit 2 and one line naming the fix', async ({ env, line }) => {
    const { harness, secure, users } = await context();
    const good = secureEnv(secure, secure.kafka.scramUser, users.full);
    const projector = await harness.start(
      { ...good, ...env(secure, users) },
      {
        waitUntilReady: false,
      },
    );
    const exit = await Promise.race([
      projector.exited,
      new Promise<'still running'>((resolve) =>
        setTimeout(() => resolve('still running'), EXIT_DEADLINE_MS),
      ),
    ]);
    const output = projector.output.join('\n');
    expect(exit, output).toEqual({ code: 2, signal: null });
    // The one line: stderr's "Invalid configuration" at start, else the fatal log line.
    const final = projector.output.filter(
      (text) => text.startsWith('checkout-projector: ') || text.includes('"level":60'),
    );
    expect(final, output).toHaveLength(1);
    expect(final[0]).toMatch(line);
    for (const secret of [
      users.full.password,
      users.noHmget.password,
      secure.kafka.scramUser.password,
      secure.kafka.plainUser.password,
    ]) {
      expect(output).not.toContain(secret);
    }
  });
});

interface Users {
  full: { username: string; password: string };
  noHmget: { username: string; password: string };
}
