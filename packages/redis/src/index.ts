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
  type CommitArguments,
} from './commit-script.ts';
export {
  connectRedisClient,
  createRedisClient,
  parseRedisUrl,
  type RedisClientOptions,
} from './create-redis-client.ts';
export { assertNoEviction, evictionRisk, readEvictionPolicy } from './eviction-policy.ts';
export {
  generationInfoKey,
  readGenerationRecords,
  scanGenerationIds,
  type GenerationRecord,
} from './generation-records.ts';
export {
  activeGeneration,
  copyCheckpoints,
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
