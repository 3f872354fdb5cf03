import type { DeadLetterEntry } from '@checkout/engine';
import { topicNames } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import type { DeadLetterTail } from '../dlq/dead-letter-tail.ts';
import { countingDeadLetters } from './dead-letters.ts';

const entry = (offset: string): DeadLetterEntry => ({
  reason: 'invalid_json',
  message: 'not JSON',
  original: {
    topic: 'cart-events',
    partition: 0,
    offset,
    timestamp: '0',
    key: 's-1',
    key_encoding: 'utf8',
    value: '{',
    value_encoding: 'utf8',
    headers: {},
  },
  event_id: null,
  event_name: null,
  correlation_id: null,
});

/** A topic that the live projector fills: what `readUpToNow` sees is what was published. */
function fakeTail(initially: string[]) {
  const read = new Set(initially);
  const publishedSince: string[] = [];
  let syncs = 0;
  const tail: DeadLetterTail = {
    has: (key) => read.has(key),
    readUpToNow: async () => {
      syncs += 1;
      for (const key of publishedSince.splice(0)) read.add(key);
    },
    stop: async () => undefined,
  };
  return { tail, livePublishes: (key: string) => publishedSince.push(key), syncs: () => syncs };
}

describe('countingDeadLetters next to the live projector', () => {
  it('leaves out what the live projector published after the topic was first read', async () => {
    const topic = fakeTail(['cart-events:0:1']);
    const sent: string[] = [];
    topic.livePublishes('cart-events:0:5');
    const sink = countingDeadLetters(
      { publish: async (entries) => void sent.push(...entries.map((e) => e.original.offset)) },
      {
        tail: topic.tail,
        topics: topicNames(),
        liveCheckpoints: async () => new Map([['cart-events:0', '10']]),
      },
    );
    await sink.publish([entry('1'), entry('5'), entry('7'), entry('12')]);
    // 1 was in the topic, 5 was published by the live projector meanwhile; 7 is behind the
    // live checkpoint but not in the topic (a changed fold rejects it); 12 is ahead of it.
    expect(sent).toEqual(['7', '12']);
    expect([sink.published(), sink.alreadyPublished()]).toEqual([2, 2]);
    expect(topic.syncs()).toBe(1);
  });

  it('does not read the topic again for records the live projector has not reached', async () => {
    const topic = fakeTail([]);
    const sink = countingDeadLetters(
      { publish: async () => undefined },
      {
        tail: topic.tail,
        topics: topicNames(),
        liveCheckpoints: async () => new Map([['cart-events:0', '3']]),
      },
    );
    await sink.publish([entry('3'), entry('4')]);
    expect(topic.syncs()).toBe(0);
    expect(sink.published()).toBe(2);
  });
});
