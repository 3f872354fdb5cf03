export { projectorAclRules, rebuildAclRules } from './acl-rules.ts';
export { switchGenerationWhenCaughtUp, type CaughtUpSwitchResult } from './caught-up-switch.ts';
export {
  createCheckoutReader,
  type CheckoutReader,
  type CheckoutReaderOptions,
} from './checkout-reader.ts';
export {
  COMMIT_SCRIPT,
  commitArguments,
  parseCommitReply,
  scriptArguments,
  storedVersionOf,
  type CommitArguments,
  type EncodedSnapshotWrite,
} from './commit-script.ts';
export { writeSnapshotDocuments, type DocumentWrites } from './write-documents.ts';
export { clusterKeyspace, partitionTag } from './cluster-keyspace.ts';
export {
  createShadowReader,
  differingFields,
  type ShadowOutcome,
  type ShadowReader,
  type ShadowReaderOptions,
  type ShadowStats,
  type TotalsSource,
} from './shadow-reader.ts';
export {
  DEFAULT_READ_TIMEOUT_MS,
  normalisePositions,
  NotCaughtUpError,
  waitUntilApplied,
  type AppliedPosition,
  type PendingPosition,
  type ReadOptions,
} from './read-your-writes.ts';
export {
  checkVersion,
  snapshotVersion,
  type SnapshotVersion,
  type TotalsCheck,
  type Versioned,
} from './snapshot-version.ts';
export {
  createRedisClusterClient,
  type RedisClusterClientOptions,
} from './create-redis-cluster-client.ts';
export {
  clusterLayout,
  partitionCountChanged,
  standaloneLayout,
  type KeyLayout,
  type KeyPattern,
} from './key-layout.ts';
export {
  ensureLayoutRecord,
  LAYOUT_HASH,
  LAYOUT_VERSION,
  layoutKey,
  readLayoutRecord,
} from './layout-record.ts';
export { murmur2, partitionForKey } from './partition-for-key.ts';
export { isCluster, primariesOf, scanKeys, type RedisConnection } from './redis-connection.ts';
export {
  connectRedisClient,
  createRedisClient,
  parseRedisUrl,
  type RedisClientOptions,
} from './create-redis-client.ts';
export { assertNoEviction, evictionRisk, readEvictionPolicy } from './eviction-policy.ts';
export { readGenerationRecords, type GenerationRecord } from './generation-records.ts';
export {
  activeGeneration,
  activeGenerations,
  copyCheckpoints,
  layoutOfScope,
  dropGeneration,
  newGenerationId,
  switchGeneration,
  type GenerationScope,
  type SwitchResult,
} from './generations.ts';
export {
  activeGenerationKey,
  DEFAULT_NAMESPACE,
  generationKeyPattern,
  generationSequenceKey,
  keyspace,
  type Keyspace,
} from './keyspace.ts';
export { MARK_LIFETIME_TTLS, markLifetimeSeconds, parseMark } from './last-write-mark.ts';
export { replaceSnapshot, type ReplaceSnapshotResult } from './replace-snapshot.ts';
export {
  createRedisProjectionStore,
  type RedisProjectionStoreOptions,
} from './redis-projection-store.ts';
export {
  idleSeconds,
  readCheckpoints,
  readLastWrites,
  readSnapshotTexts,
  redisClockMs,
  snapshotSessionPages,
} from './stored-state.ts';
export {
  generationIdsWithInfo,
  generationInfoKey,
  readGenerationInfo,
  writeGenerationInfo,
} from './generation-info.ts';
export {
  markReplayed,
  replayedAmong,
  replayedMember,
  replayedSetKey,
} from './replayed-dead-letters.ts';
export { redisAccessRefused } from './redis-errors.ts';
