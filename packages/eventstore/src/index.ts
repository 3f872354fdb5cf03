export {
  createArchiveReport,
  type ArchiveReadReport,
  type ArchiveReport,
} from './archive-report.ts';
export {
  connectEventStore,
  redact,
  verifyEventStore,
  type ConnectEventStoreOptions,
} from './connect-eventstore.ts';
export { eventStoreError } from './eventstore-errors.ts';
export {
  CHECKOUT_EVENT_TYPE_PREFIXES,
  mapArchivedEvent,
  type ArchivedEvent,
  type ArchiveMapping,
  type ArchiveMappingOptions,
  type UnmappableEvent,
  type UnmappableReason,
} from './eventstore-mapping.ts';
export {
  describePosition,
  readEventStore,
  type AllEventsReader,
  type EventStoreBatch,
  type ReadEventStoreOptions,
} from './read-eventstore.ts';
export type { Position as EventStorePosition } from '@kurrent/kurrentdb-client';
