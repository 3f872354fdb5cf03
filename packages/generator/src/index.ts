export {
  generateStream,
  type Expectation,
  type GeneratedRecord,
  type StreamOptions,
} from './generate-stream.ts';
export { seededRandom, type SeededRandom } from './seeded-random.ts';
