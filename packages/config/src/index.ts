export {
  booleanFlag,
  caFile,
  checkoutCurrency,
  dlqTopic,
  integer,
  kafkaBrokers,
  kafkaSecurity,
  kafkaTopicPrefix,
  redisCaWithoutTls,
  redisTlsCaFile,
  redisUrl,
  saslIncomplete,
  snapshotTtlSeconds,
  redisMaxCommitBytes,
  type CaFile,
  type CrossCheck,
} from './env-fields.ts';
export { loadEnv, type ConfigResult } from './load-env.ts';
