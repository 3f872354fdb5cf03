import { projectorAclRules } from '@checkout/redis';
import { createAclUser, secureInfrastructure } from '@checkout/testkit';
import { describe, expect, it } from 'vitest';
import {
  deadLetterCoordinates,
  expectStateEqualsFold,
  readDeadLetters,
} from './testing/expect-fold.ts';
import { produceStream } from './testing/produce-stream.ts';
import { projectorHarness } from './testing/projector-harness.ts';
import { secureEnv } from './testing/secure-env.ts';

/**
 * SPEC §6 "Nobody in": the secure configuration is the tested one. The projector reaches Kafka
 * only through its SASL_SSL listener (SCRAM-SHA-512) and Redis only through its TLS port, as
 * an ACL user with exactly the README's least-privilege rules on its own key prefix. The test
 * itself sets up and checks through the plain listener and the admin connection.
 */
describe('checkout-projector over TLS + SASL Kafka and TLS + ACL Redis', () => {
  it('projects a generated stream exactly, poison to the DLQ, as a least-privilege ACL user', async () => {
    const secure = secureInfrastructure();
    const { plainBrokers } = secure.kafka;
    const harness = await projectorHarness('secure-projector', {
      brokers: plainBrokers,
      redisUrl: secure.redis.adminUrl,
    });
    const redisUser = await createAclUser(
      secure.redis.adminUrl,
      `${harness.namespace}-projector`,
      projectorAclRules(harness.namespace),
    );
    await produceStream(plainBrokers, harness.topics, {
      seed: 10,
      records: 6_000,
      duplicateRate: 0.02,
      poisonRate: 0.01,
      concurrentSessions: 100,
    });

    const projector = await harness.start(secureEnv(secure, secure.kafka.scramUser, redisUser));
    const { comparison } = await expectStateEqualsFold(harness, { timeoutMs: 90_000 });
    expect(comparison.sessions).toBeGreaterThan(300);
    const deadLetters = await readDeadLetters(harness);
    expect(deadLetters.length).toBeGreaterThan(20);
    expect(deadLetters.map(deadLetterCoordinates).sort()).toEqual(
      comparison.expectedDeadLetters.map(deadLetterCoordinates).sort(),
    );

    // Its Redis connection is the ACL user's, over the TLS port; the HTTP API reads through it.
    const clients = String(await harness.redis.call('CLIENT', 'LIST'));
    const own = clients.split('\n').filter((line) => line.includes(`user=${redisUser.username}`));
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((line) => line.includes(`laddr=127.0.0.1:${secure.redis.tlsPort}`))).toBe(
      true,
    );
    const sessionId = comparison.sessionIds[0]!;
    const response = await fetch(
      `http://127.0.0.1:${projector.port}/v1/checkouts/${encodeURIComponent(sessionId)}/totals`,
    );
    expect(response.status).toBe(200);
    expect(projector.output.filter((line) => line.includes('NOPERM'))).toEqual([]);
  });
});
