export {
  booleanFlag,
  checkoutCurrency,
  dlqTopic,
  integer,
  kafkaBrokers,
  kafkaSecurity,
  allowCompactedTopics,
  kafkaTopicPrefix,
  redisClusterIncomplete,
  redisStoreMode,
  redisUrl,
  saslIncomplete,
  snapshotTtlSeconds,
  redisMaxCommitBytes,
  type CrossCheck,
} from './env-fields.ts';
export { loadEnv, type ConfigResult } from './load-env.ts';
