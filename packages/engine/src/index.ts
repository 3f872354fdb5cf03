export {
  backoffDelay,
  DEFAULT_BACKOFF,
  retryTransient,
  sleepUnlessAborted,
  type BackoffOptions,
} from './backoff.ts';
export {
  DEAD_LETTER_ENTRY_JSON_SCHEMA_ID,
  DEAD_LETTER_REASONS,
  deadLetterEntrySchema,
  parseDeadLetterEntry,
  renderDeadLetterEntryJsonSchema,
} from './dead-letter-schema.ts';
export {
  deadLetterEntry,
  deadLetterHeaderBytes,
  deadLetterKeyBytes,
  MAX_DEAD_LETTER_VALUE_BYTES,
} from './dead-letter.ts';
export {
  causeChain,
  EngineError,
  historyTruncated,
  isRetryable,
  type EngineErrorCode,
} from './errors.ts';
export { redactText, safeError, type SafeError } from './safe-error.ts';
export { notTlsReply, tlsHandshakeCut, untrustedCertificate } from './tls-errors.ts';
export {
  foldBatch,
  parseBatch,
  type FoldedBatch,
  type ParsedBatch,
  type ParsedRecord,
} from './fold-batch.ts';
export {
  silentObserver,
  type EngineObserver,
  type OutcomeCount,
  type RecordOutcome,
} from './observer.ts';
export type {
  DeadLetterEntry,
  DeadLetterHeaderValue,
  DeadLetterReason,
  DeadLetterSink,
} from './ports/dead-letter-sink.ts';
export type {
  BatchWrite,
  CheckpointWrite,
  CommitResult,
  LoadedSnapshots,
  ProjectionStore,
  SnapshotWrite,
  StoredSnapshot,
  WriteConflict,
} from './ports/projection-store.ts';
export type {
  ChangelogMarker,
  ChangelogPublishResult,
  ChangelogWrite,
  SnapshotChangelog,
} from './ports/snapshot-changelog.ts';
export {
  parseTopicPartitionKey,
  topicPartitionKey,
  type SourceRecord,
  type TopicPartition,
} from './ports/source-record.ts';
export {
  createProjectionEngine,
  type BatchOutcome,
  type CheckpointRegression,
  type Conflict,
  type EngineStep,
  type FoldOutcome,
  type ProjectionEngine,
  type ProjectionEngineOptions,
} from './projection-engine.ts';
export { topicNames, type TopicNames } from './topic-names.ts';
export { DEFAULT_WAVE_LIMITS, type WaveLimits } from './wave.ts';
