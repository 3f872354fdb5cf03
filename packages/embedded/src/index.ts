export { createInMemoryDeadLetters, type InMemoryDeadLetters } from './in-memory-dead-letters.ts';
export { createInMemoryLog, partitionFor, type InMemoryLog } from './in-memory-log.ts';
export {
  createInMemoryProjectionStore,
  type InMemoryProjectionStore,
} from './in-memory-projection-store.ts';
export { runEmbeddedSource, type EmbeddedSourceOptions } from './run-embedded-source.ts';
