import type { AclUser, SaslUser, SecureInfrastructure } from '@checkout/testkit';

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
