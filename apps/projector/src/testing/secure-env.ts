import {
  createAclUser,
  secureInfrastructure,
  type AclUser,
  type SaslUser,
  type SecureInfrastructure,
} from '@checkout/testkit';
import { projectorHarness, type ProjectorHarness } from './projector-harness.ts';

/**
 * The environment that points a projector (or checkout-rebuild) at the secure servers: Kafka
 * over SASL_SSL as `kafkaUser`, Redis over TLS as the ACL user `redisUser`, both trusting the
 * run's test CA. Layer it over a harness's environment; tests of misconfigurations then
 * override one variable.
 */
export function secureEnv(
  secure: SecureInfrastructure,
  kafkaUser: SaslUser,
  redisUser: AclUser,
): Record<string, string> {
  return {
    KAFKA_BROKERS: secure.kafka.secureBrokers.join(','),
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: secure.caFile,
    KAFKA_SASL_MECHANISM: kafkaUser.mechanism,
    KAFKA_SASL_USERNAME: kafkaUser.username,
    KAFKA_SASL_PASSWORD: kafkaUser.password,
    REDIS_URL: secure.redisTlsUrl(redisUser.username, redisUser.password),
    REDIS_TLS_CA_FILE: secure.caFile,
  };
}

/**
 * A harness on the secure servers (set up and checked through the plain listener and the
 * admin connection) and an ACL user with `rules` on its namespace, both removed after the test.
 */
export async function secureDeployment(
  label: string,
  rules: (namespace: string) => string[],
): Promise<{ secure: SecureInfrastructure; harness: ProjectorHarness; redisUser: AclUser }> {
  const secure = secureInfrastructure();
  const harness = await projectorHarness(label, {
    brokers: secure.kafka.plainBrokers,
    redisUrl: secure.redis.adminUrl,
  });
  const redisUser = await createAclUser(
    secure.redis.adminUrl,
    harness.namespace,
    rules(harness.namespace),
  );
  return { secure, harness, redisUser };
}
