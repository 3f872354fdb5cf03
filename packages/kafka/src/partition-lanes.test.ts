import { describe, expect, it } from 'vitest';
import { createPartitionLanes } from './partition-lanes.ts';

/** Groups that record when they start and end, and finish when told to. */
function controlledGroups() {
  const log: string[] = [];
  const running = new Map<string, { finish: () => void; fail: (error: Error) => void }>();
  const runGroup = (partition: number, items: string[]) => {
    const name = `${partition}[${items.join(',')}]`;
    log.push(`start ${name}`);
    return new Promise<void>((resolve, reject) => {
      running.set(items[0] ?? '', {
        finish: () => {
          log.push(`end ${name}`);
          resolve();
        },
        fail: (error) => {
          log.push(`fail ${name}`);
          reject(error);
        },
      });
    });
  };
  /** Ends the running group whose first item is `item`. */
  const finish = (item: string) => running.get(item)?.finish();
  const fail = (item: string, error: Error) => running.get(item)?.fail(error);
  return { log, runGroup, finish, fail };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('partition lanes', () => {
  it('groups what one partition number receives in the same turn, and runs partition numbers side by side', async () => {
    const groups = controlledGroups();
    const lanes = createPartitionLanes(4, groups.runGroup);
    const done = [
      lanes.submit(0, 'cart:0'),
      lanes.submit(1, 'cart:1'),
      lanes.submit(0, 'shipping:0'),
    ];
    await turn();
    expect(groups.log).toEqual(['start 0[cart:0,shipping:0]', 'start 1[cart:1]']);
    groups.finish('cart:0');
    groups.finish('cart:1');
    await Promise.all(done);
  });

  it('runs the next group of a lane only after the previous one ended, with what arrived meanwhile', async () => {
    const groups = controlledGroups();
    const lanes = createPartitionLanes(4, groups.runGroup);
    const first = lanes.submit(0, 'a');
    await turn();
    const later = [lanes.submit(0, 'b'), lanes.submit(0, 'c')];
    await turn();
    expect(groups.log).toEqual(['start 0[a]']);
    groups.finish('a');
    await first;
    await turn();
    expect(groups.log).toEqual(['start 0[a]', 'end 0[a]', 'start 0[b,c]']);
    groups.finish('b');
    await Promise.all(later);
  });

  it('never runs more groups than the limit at once, first come first served', async () => {
    const groups = controlledGroups();
    const lanes = createPartitionLanes(2, groups.runGroup);
    const done = ['p0', 'p1', 'p2', 'p3'].map((item, partition) => lanes.submit(partition, item));
    await turn();
    expect(groups.log).toEqual(['start 0[p0]', 'start 1[p1]']);
    groups.finish('p1');
    await turn();
    expect(groups.log.slice(2)).toEqual(['end 1[p1]', 'start 2[p2]']);
    groups.finish('p0');
    await turn();
    expect(groups.log.slice(4)).toEqual(['end 0[p0]', 'start 3[p3]']);
    groups.finish('p2');
    groups.finish('p3');
    await Promise.all(done);
  });

  it('rejects every item of a failed group, and the lane goes on with the next one', async () => {
    const groups = controlledGroups();
    const lanes = createPartitionLanes(1, groups.runGroup);
    const failed = [lanes.submit(0, 'a'), lanes.submit(0, 'b')];
    await turn();
    const next = lanes.submit(0, 'c');
    groups.fail('a', new Error('store down'));
    await expect(failed[0]).rejects.toThrow('store down');
    await expect(failed[1]).rejects.toThrow('store down');
    await turn();
    groups.finish('c');
    await next;
    expect(groups.log).toEqual(['start 0[a,b]', 'fail 0[a,b]', 'start 0[c]', 'end 0[c]']);
  });

  it('refuses a limit below one', () => {
    expect(() => createPartitionLanes(0, async () => {})).toThrow(RangeError);
  });
});
