import type { Batch, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { mergedSlices as mergedRuns, recordsOf } from './merged-slices.ts';

const mergedSlices = (batches: readonly Batch[], size: number) =>
  mergedRuns(batches.map(recordsOf), size);

function batch(topic: string, partition: number, messages: Array<[offset: number, time: number]>) {
  return {
    topic,
    partition,
    messages: messages.map(([offset, time]): KafkaMessage => ({
      key: null,
      value: Buffer.from('{}'),
      timestamp: String(time),
      attributes: 0,
      offset: String(offset),
      headers: {},
    })),
  } as unknown as Batch;
}

const positions = (slices: Iterable<Array<{ topic: string; offset: string }>>) =>
  [...slices].map((slice) => slice.map(({ topic, offset }) => `${topic}@${offset}`));

describe('mergedSlices', () => {
  it('slices a single batch in offset order', () => {
    const cart = batch('cart', 0, [
      [5, 10],
      [6, 5],
      [7, 20],
    ]);
    expect(positions(mergedSlices([cart], 2))).toEqual([['cart@5', 'cart@6'], ['cart@7']]);
  });

  it('merges several partitions by timestamp, each keeping its own order', () => {
    const cart = batch('cart', 0, [
      [0, 100],
      [1, 300],
      [2, 500],
    ]);
    const shipping = batch('shipping', 0, [
      [40, 200],
      [41, 250],
      [42, 50], // out of order: waits behind its partition's earlier records
    ]);
    expect(positions(mergedSlices([cart, shipping], 4))).toEqual([
      ['cart@0', 'shipping@40', 'shipping@41', 'shipping@42'],
      ['cart@1', 'cart@2'],
    ]);
  });

  it('yields every record exactly once when timestamps are unreadable', () => {
    const a = batch('a', 0, [
      [0, Number.NaN],
      [1, Number.NaN],
    ]);
    const b = batch('b', 0, [[0, Number.NaN]]);
    expect(
      positions(mergedSlices([a, b], 10))
        .flat()
        .sort(),
    ).toEqual(['a@0', 'a@1', 'b@0']);
  });

  it('yields nothing for empty batches', () => {
    expect([...mergedSlices([batch('a', 0, []), batch('b', 0, [])], 10)]).toEqual([]);
  });
});
