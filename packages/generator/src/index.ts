export {
  generateStream,
  type Expectation,
  type GeneratedRecord,
  type StreamOptions,
} from './generate-stream.ts';
export { seededRandom, type SeededRandom } from './seeded-random.ts';
export {
  HOSTILE_KINDS,
  HOSTILE_NESTING_DEPTH,
  HOSTILE_STRING_BYTES,
  hostileRecords,
  type HostileKind,
  type HostileRecord,
} from './hostile-records.ts';
