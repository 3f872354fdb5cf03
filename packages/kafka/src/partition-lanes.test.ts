import { describe, expect, it } from 'vitest';
import { createPartitionLanes } from './partition-lanes.ts';

/** A task that records when it starts and ends, and finishes when told to. */
function controlled(log: string[], name: string) {
  let finish: (value: string) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const task = () => {
    log.push(`start ${name}`);
    return new Promise<string>((resolve, reject) => {
      finish = (value) => {
        log.push(`end ${name}`);
        resolve(value);
      };
      fail = (error) => {
        log.push(`fail ${name}`);
        reject(error);
      };
    });
  };
  return { task, finish: (value = name) => finish(value), fail: (error: Error) => fail(error) };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('partition lanes', () => {
  it('runs one partition number in submission order and different ones side by side', async () => {
    const lanes = createPartitionLanes(4);
    const log: string[] = [];
    const cart0 = controlled(log, 'cart:0');
    const cart1 = controlled(log, 'cart:1');
    const shipping0 = controlled(log, 'shipping:0');

    const results = [
      lanes.run(0, cart0.task),
      lanes.run(1, cart1.task),
      lanes.run(0, shipping0.task),
    ];
    await tick();
    expect(log).toEqual(['start cart:0', 'start cart:1']);

    cart1.finish();
    await tick();
    expect(log).toEqual(['start cart:0', 'start cart:1', 'end cart:1']);

    cart0.finish();
    await tick();
    expect(log.slice(3)).toEqual(['end cart:0', 'start shipping:0']);
    shipping0.finish();
    expect(await Promise.all(results)).toEqual(['cart:0', 'cart:1', 'shipping:0']);
  });

  it('never runs more than the limit at once, and hands freed slots out first come first served', async () => {
    const lanes = createPartitionLanes(2);
    const log: string[] = [];
    const tasks = [0, 1, 2, 3].map((partition) => controlled(log, `p${partition}`));
    const results = tasks.map((task, partition) => lanes.run(partition, task.task));
    await tick();
    expect(log).toEqual(['start p0', 'start p1']);

    tasks[1]?.finish();
    await tick();
    expect(log.slice(2)).toEqual(['end p1', 'start p2']);
    tasks[0]?.finish();
    await tick();
    expect(log.slice(4)).toEqual(['end p0', 'start p3']);
    tasks[2]?.finish();
    tasks[3]?.finish();
    await Promise.all(results);
  });

  it('goes on with the next task of a lane after one fails, and reports the failure to its caller', async () => {
    const lanes = createPartitionLanes(1);
    const log: string[] = [];
    const first = controlled(log, 'first');
    const second = controlled(log, 'second');
    const failed = lanes.run(0, first.task);
    const next = lanes.run(0, second.task);
    await tick();
    first.fail(new Error('store down'));
    await expect(failed).rejects.toThrow('store down');
    await tick();
    second.finish();
    expect(await next).toBe('second');
    expect(log).toEqual(['start first', 'fail first', 'start second', 'end second']);
  });

  it('refuses a limit below one', () => {
    expect(() => createPartitionLanes(0)).toThrow(RangeError);
  });
});
