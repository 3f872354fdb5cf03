import { describe, expect, it } from 'vitest';
import { createSourceReadiness } from './source-readiness.ts';

describe('source readiness', () => {
  it('is ready only when joined and healthy, and reports each change once', () => {
    const changes: Array<[boolean, string | undefined]> = [];
    const readiness = createSourceReadiness((ready, reason) => changes.push([ready, reason]));
    readiness.joined();
    readiness.unhealthy('Redis down');
    readiness.unhealthy('Redis down');
    readiness.healthy();
    readiness.notJoined('rebalancing');
    expect(changes).toEqual([
      [false, 'connecting to Kafka'],
      [true, undefined],
      [false, 'Redis down'],
      [true, undefined],
      [false, 'rebalancing'],
    ]);
  });

  it('is not ready while the broker is stalled, whatever the membership says', () => {
    const changes: Array<[boolean, string | undefined]> = [];
    const readiness = createSourceReadiness((ready, reason) => changes.push([ready, reason]));
    readiness.joined();
    readiness.stalled('no heartbeat answered');
    readiness.joined();
    readiness.stalled(null);
    expect(changes).toEqual([
      [false, 'connecting to Kafka'],
      [true, undefined],
      [false, 'no heartbeat answered'],
      [true, undefined],
    ]);
  });
});
