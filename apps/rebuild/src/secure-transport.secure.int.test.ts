import { projectorAclRules, rebuildAclRules } from '@checkout/redis';
import { createAclUser, secureInfrastructure, type SecureInfrastructure } from '@checkout/testkit';
import {
  compareWithFold,
  highWatermarks,
  produceStream,
  projectorHarness,
  readAllRecords,
  secureEnv,
  waitForCheckpoints,
} from '@checkout/projector/testing';
import { describe, expect, it } from 'vitest';
import { rebuildEnv } from './testing/rebuild-env.ts';
import { runRebuildCli } from './testing/run-cli.ts';

/**
 * SPEC §6 "Nobody in": checkout-rebuild runs over the same secure servers as the projector,
 * Kafka over SASL_SSL as the PLAIN user, Redis over TLS as an ACL user with exactly the
 * README's rebuild rules: a blue/green rebuild folds equal, `--verify` finds no drift,
 * `dlq replay` republishes through the secure listener, and `status` reads it all.
 */
describe('checkout-rebuild over TLS + SASL Kafka and TLS + ACL Redis', () => {
  it('rebuilds, verifies, replays dead letters and reports status as a least-privilege user', async () => {
    const secure = secureInfrastructure();
    const { plainBrokers } = secure.kafka;
    const harness = await projectorHarness('secure-rebuild', {
      brokers: plainBrokers,
      redisUrl: secure.redis.adminUrl,
    });
    const projectorUser = await createAclUser(
      secure.redis.adminUrl,
      `${harness.namespace}-projector`,
      projectorAclRules(harness.namespace),
    );
    const rebuildUser = await createAclUser(
      secure.redis.adminUrl,
      `${harness.namespace}-rebuild`,
      rebuildAclRules(harness.namespace),
    );
    await produceStream(plainBrokers, harness.topics, {
      seed: 11,
      records: 3_000,
      poisonRate: 0.01,
      concurrentSessions: 60,
    });
    await harness.start(secureEnv(secure, secure.kafka.scramUser, projectorUser));
    await waitForCheckpoints(harness.redis, {
      namespace: harness.namespace,
      group: harness.group,
      targets: await highWatermarks(plainBrokers, harness.topics),
      timeoutMs: 90_000,
    });

    const env = rebuildEnv(harness, secureEnv(secure, secure.kafka.plainUser, rebuildUser));
    const secrets = [rebuildUser.password, secure.kafka.plainUser.password];
    const cli = async (...args: string[]) => {
      const run = await runRebuildCli(env, args);
      for (const secret of secrets) expect(run.stdout + run.stderr).not.toContain(secret);
      return run;
    };

    const rebuild = await cli('--from-offset', 'earliest', '--yes', '--json');
    expect(rebuild.code, rebuild.stdout + rebuild.stderr).toBe(0);
    expect(rebuild.json).toMatchObject({ generation: '1', switched: true });
    const records = await readAllRecords(plainBrokers, harness.topics.physical);
    const comparison = await compareWithFold(harness.redis, records, harness.topics, {
      namespace: harness.namespace,
      generation: '1',
    });
    expect(comparison.mismatches).toEqual([]);
    expect(comparison.unexpectedKeys).toEqual([]);
    expect(comparison.sessions).toBeGreaterThan(100);

    const verify = await cli('--verify', '--json');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.json['drift']).toEqual([]);

    // Replayed records land in the five topics: the log grows by exactly that many.
    const logSize = async () =>
      [...(await highWatermarks(plainBrokers, harness.topics)).values()].reduce(
        (sum, high) => sum + Number(high),
        0,
      );
    const before = await logSize();
    const replay = await cli('dlq', 'replay', '--yes', '--json');
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    const replayed = Number(replay.json['replayed']);
    expect(replayed).toBeGreaterThan(10);
    expect(await logSize()).toBe(before + replayed);

    const status = await cli('status', '--json');
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain('"active_generation"');
  });

  /**
   * The CLI's side of the matrix (the projector's is misconfiguration.secure.int.test.ts):
   * `status` reads Kafka and Redis; each broken setting is exit 2 (usage) and one line.
   */
  it.each([
    {
      name: 'a CA that did not sign the broker',
      env: (s: SecureInfrastructure) => ({ KAFKA_SSL_CA_FILE: s.wrongCaFile }),
      line: /KAFKA_SSL_CA_FILE: the broker's TLS certificate is not trusted/,
    },
    {
      name: 'a wrong SASL password',
      env: () => ({ KAFKA_SASL_PASSWORD: 'not-the-password' }),
      line: /KAFKA_SASL_PASSWORD: the broker refused the SASL login/,
    },
    {
      name: 'a SASL mechanism the listener does not enable',
      env: () => ({ KAFKA_SASL_MECHANISM: 'scram-sha-256' }),
      line: /KAFKA_SASL_MECHANISM: the broker does not support/,
    },
    {
      name: 'TLS to the plaintext listener',
      env: (s: SecureInfrastructure) => ({ KAFKA_BROKERS: s.kafka.plainBrokers.join(',') }),
      line: /KAFKA_SSL: the broker closed the connection during the TLS handshake/,
    },
    {
      name: 'a Redis CA that did not sign the server',
      env: (s: SecureInfrastructure) => ({ REDIS_TLS_CA_FILE: s.wrongCaFile }),
      line: /REDIS_TLS_CA_FILE: Redis's TLS certificate is not trusted/,
    },
    {
      name: 'an ACL user without HGETALL',
      env: () => ({}),
      without: '+hgetall',
      line: /NOPERM this user has no permissions to run the 'hgetall' command/,
    },
  ])('status with $name: exit 2 and one line', async ({ env, line, ...rest }) => {
    const secure = secureInfrastructure();
    const harness = await projectorHarness('secure-rebuild-misconfig', {
      brokers: secure.kafka.plainBrokers,
      redisUrl: secure.redis.adminUrl,
    });
    const without = 'without' in rest ? rest.without : undefined;
    const user = await createAclUser(
      secure.redis.adminUrl,
      harness.namespace,
      rebuildAclRules(harness.namespace).filter((rule) => rule !== without),
    );
    const run = await runRebuildCli(
      rebuildEnv(harness, { ...secureEnv(secure, secure.kafka.plainUser, user), ...env(secure) }),
      ['status'],
    );
    const lines = run.stderr.split('\n').filter(Boolean);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(run.stdout + run.stderr).not.toContain(user.password);
    expect(run.stdout + run.stderr).not.toContain(secure.kafka.plainUser.password);
  });
});
