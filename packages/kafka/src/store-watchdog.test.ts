import type { CheckpointRegression, ProjectionEngine } from '@checkout/engine';
import { describe, expect, it, vi } from 'vitest';
import type { AssignmentPositions } from './assignment-positions.ts';
import { silentKafkaLog } from './kafka-log.ts';
import { watchStoreCheckpoints } from './store-watchdog.ts';

const lost: CheckpointRegression = {
  topic: 'cart-events',
  partition: 1,
  believed: '805',
  stored: null,
};

function setup(behind: number[], regressions: CheckpointRegression[]) {
  const calls: string[] = [];
  let inLaneOf: number | undefined;
  const engine = {
    checkpointsBehind: vi.fn(async () => {
      calls.push('checkpointsBehind');
      return behind;
    }),
    verifyCheckpoints: vi.fn(async (numbers?: readonly number[]) => {
      calls.push(`verifyCheckpoints ${numbers?.join(',')} in lane ${inLaneOf}`);
      return regressions;
    }),
  } as unknown as ProjectionEngine;
  const verified = new Set<string>(['cart-events:1']);
  const positions = {
    generation: 1,
    owned: () => [{ topic: 'cart-events', partition: 1 }],
    retarget: (topic: string, partition: number) => {
      calls.push(`retarget ${topic}:${partition} in lane ${inLaneOf}`);
      verified.delete(`${topic}:${partition}`);
    },
    isVerified: (topic: string, partition: number) => verified.has(`${topic}:${partition}`),
    unverifiedTargets: async () => ({
      generation: 1,
      targets: [{ topic: 'cart-events', partition: 1, target: { ok: true, offset: '0' } }],
    }),
    seekIssued: () => {},
  } as unknown as AssignmentPositions;
  const stopping = new AbortController();
  const stop = watchStoreCheckpoints({
    engine,
    positions,
    seek: (topic, partition, offset) => calls.push(`seek ${topic}:${partition} ${offset}`),
    async inLane(partitionNumber, task) {
      inLaneOf = partitionNumber;
      try {
        return await task();
      } finally {
        inLaneOf = undefined;
      }
    },
    log: silentKafkaLog,
    fail: (error) => calls.push(`fail ${error.message}`),
    stopping: stopping.signal,
    intervalMs: 5,
  });
  return { calls, stop };
}

describe('store watchdog', () => {
  it('adopts a checkpoint that went back in its partition number’s lane, and seeks there', async () => {
    const { calls, stop } = setup([1], [lost]);
    await vi.waitFor(() => expect(calls).toContain('seek cart-events:1 0'));
    stop();
    expect(calls.slice(0, 4)).toEqual([
      'checkpointsBehind',
      'verifyCheckpoints 1 in lane 1',
      'retarget cart-events:1 in lane 1',
      'seek cart-events:1 0',
    ]);
  });

  it('changes nothing while the store holds what the engine believes', async () => {
    const { calls, stop } = setup([], []);
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(2));
    stop();
    expect(new Set(calls)).toEqual(new Set(['checkpointsBehind']));
  });
});
