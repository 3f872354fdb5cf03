import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ProvidedSecureInfrastructure } from './secure-context.ts';
import { startSecureKafkaBroker } from './secure-kafka-broker.ts';
import { startSecureRedisServer } from './secure-redis-server.ts';
import { createTestCertificates } from './test-certificates.ts';

/**
 * vitest `globalSetup` of the `secure` project (`*.secure.int.test.ts`): one Kafka broker with
 * a SASL_SSL listener and one Redis with a TLS port, certificates made for this run. vitest
 * runs a project's global setup only when some of its files are selected, so a run without
 * such a test starts neither.
 *
 * The tests get them through `secureInfrastructure()`, and the brokers' plain listener and
 * the Redis admin URL through `sharedInfrastructure()` as well, for the test support that
 * creates topics, produces and reads back (the apps under test never use those).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'checkout-tls-'));
  const certificates = createTestCertificates(dir);
  const [kafka, redis] = await Promise.allSettled([
    startSecureKafkaBroker(certificates),
    startSecureRedisServer(certificates),
  ]);
  const teardown = async () => {
    for (const started of [kafka, redis]) {
      if (started.status === 'fulfilled') await started.value.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (kafka.status === 'rejected' || redis.status === 'rejected') {
    await teardown();
    throw kafka.status === 'rejected' ? kafka.reason : (redis as PromiseRejectedResult).reason;
  }
  const provided: ProvidedSecureInfrastructure = {
    caFile: certificates.caFile,
    wrongCaFile: certificates.wrongCaFile,
    kafka: {
      secureBrokers: kafka.value.secureBrokers,
      plainBrokers: kafka.value.plainBrokers,
      scramUser: kafka.value.scramUser,
      plainUser: kafka.value.plainUser,
    },
    redis: {
      adminUrl: redis.value.adminUrl,
      port: redis.value.port,
      tlsPort: redis.value.tlsPort,
    },
  };
  project.provide('secureInfrastructure', provided);
  project.provide('kafkaBrokers', kafka.value.plainBrokers);
  project.provide('redisUrl', redis.value.adminUrl);
  return teardown;
}
