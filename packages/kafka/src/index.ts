export { createKafka } from './create-kafka.ts';
export {
  KAFKA_CLIENT_RETRY,
  kafkaConfig,
  kafkaSecurityOptions,
  type KafkaConnectionOptions,
  type KafkaSecuritySettings,
} from './kafka-config.ts';
export { kafkaLogCreator, silentKafkaLog, type KafkaLog, type KafkaLogLevel } from './kafka-log.ts';
export {
  lz4Codec,
  registerCompressionCodecs,
  snappyCodec,
  zstdCodec,
  type KafkaCodec,
} from './codecs.ts';
export {
  coPartitionedAssigner,
  coPartitionedAssignment,
  type MemberPartitions,
} from './co-partitioned-assigner.ts';
export {
  ensureTopics,
  fetchWatermarks,
  partitionCounts,
  verifyTopicLayout,
  type PartitionWatermarks,
} from './topic-layout.ts';
export { toSourceRecord } from './source-record.ts';
export { createConsumerLag, type ConsumerLag, type PartitionLag } from './consumer-lag.ts';
export type { ReadinessListener } from './source-readiness.ts';
export type { CommittedPosition } from './batch-handler.ts';
export {
  DEFAULT_COMMIT_INTERVAL_MS,
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_FETCH_MAX_WAIT_MS,
  DEFAULT_FETCH_PARTITION_MAX_BYTES,
  runKafkaSource,
  type KafkaSourceOptions,
} from './kafka-record-source.ts';
export {
  createKafkaDeadLetterSink,
  deadLetterMessage,
  DEFAULT_DLQ_TOPIC,
  type KafkaDeadLetterOptions,
  type KafkaDeadLetterSink,
} from './dead-letter-producer.ts';
export { isTransientError } from './kafka-errors.ts';
export {
  readChangelog,
  readLastMarkers,
  type ChangelogEntry,
  type ChangelogRead,
} from './changelog-reader.ts';
export {
  checkedDocument,
  MARKER_KEY,
  markerMessage,
  snapshotMessage,
  type ChangelogRecord,
  type CheckedDocument,
} from './changelog-records.ts';
export { CHANGELOG_TOPIC_CONFIG, ensureChangelogTopic } from './changelog-topic.ts';
export {
  createKafkaSnapshotChangelog,
  type KafkaSnapshotChangelog,
  type KafkaSnapshotChangelogOptions,
} from './snapshot-changelog-producer.ts';
export { kafkaMisconfiguration } from './kafka-misconfiguration.ts';
export type { HaltedPartition } from './partition-halts.ts';
