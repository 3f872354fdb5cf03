export { createAclUser, type AclUser } from './acl-user.ts';
export { onCleanup } from './cleanup.ts';
export { consumeMessages, type ConsumeMessagesOptions, type ConsumedMessage } from './consume.ts';
export {
  connectRedis,
  connectRedisCluster,
  createKafka,
  deleteKeys,
  type CreateKafkaOptions,
} from './clients.ts';
export { findFreePort, isPortFree, type FindFreePortOptions } from './free-port.ts';
export { createTopics, uniqueNames, waitForTopicLeaders, type TestNames } from './isolation.ts';
export {
  startKafkaBroker,
  type KafkaBrokerHandle,
  type KafkaBrokerOptions,
} from './kafka-broker.ts';
export { kafkaAnswers } from './kafka-ready.ts';
export { sharedInfrastructure, type SharedInfrastructure } from './provided-context.ts';
export {
  parseClusterNodes,
  startRedisCluster,
  type ClusterMaster,
  type ClusterTopology,
  type RedisClusterHandle,
  type RedisClusterOptions,
} from './redis-cluster.ts';
export {
  secureInfrastructure,
  type ProvidedSecureInfrastructure,
  type SecureInfrastructure,
} from './secure-context.ts';
export type { SaslUser } from './secure-kafka-broker.ts';
export {
  startRedisServer,
  type RedisServerHandle,
  type RedisServerOptions,
} from './redis-server.ts';
export { alterTopicConfig } from './topic-config.ts';
