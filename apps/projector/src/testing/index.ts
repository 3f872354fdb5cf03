// Test support for integration tests of the projector and of checkout-rebuild:
// `@checkout/projector/testing`. Never imported by production code.
export { compareWithFold, type FoldComparison } from './compare-with-fold.ts';
export { produceStream } from './produce-stream.ts';
export {
  FAST_GROUP_ENV,
  projectorHarness,
  type HarnessInfrastructure,
  type ProjectorHarness,
} from './projector-harness.ts';
export { readAllRecords } from './read-topics.ts';
export { highWatermarks, waitForCheckpoints, waitUntilCaughtUp } from './wait-for-checkpoints.ts';
export { produceInBackground, type BackgroundProducer } from './background-producer.ts';
export { coPartitionedNumbers, describeGroup, type GroupDescription } from './group-members.ts';
export { logLines, tail, waitUntil } from './probes.ts';
export { expectStateEqualsFold, overwriteCheckpoints, storedCheckpoints } from './expect-fold.ts';
export { storeModes, type StoreMode } from './store-modes.ts';
export { secureDeployment, secureEnv } from './secure-env.ts';
