import { describe, expect, it } from 'vitest';
import { createLastProblem } from './last-problem.ts';
import { createMetrics } from './metrics.ts';
import { createReadiness } from './readiness.ts';
import { collectStatus, type StatusSources } from './status-report.ts';

function sources(changes: Partial<StatusSources> = {}): StatusSources {
  const readiness = createReadiness(['source']);
  readiness.set('source', true);
  return {
    source: 'kafka',
    store: 'redis',
    group: 'g',
    readiness,
    liveness: () => null,
    staleness: () => null,
    partitions: () => [
      {
        topic: 'p.cart-events',
        partition: 0,
        checkpoint: '90',
        highWatermark: '100',
        lag: 10,
        lagSeconds: 3,
        halted: null,
      },
      {
        topic: 'p.cart-events',
        partition: 1,
        checkpoint: '50',
        highWatermark: '50',
        lag: 0,
        lagSeconds: 0,
        halted: null,
      },
    ],
    generations: async () => ({ active: null, generations: [] }),
    checkpointField: (topic, partition) => `${topic.replace(/^p\./, '')}:${partition}`,
    registry: createMetrics().registry,
    lastProblem: createLastProblem(),
    now: () => new Date('2030-01-01T00:00:00Z'),
    ...changes,
  };
}

describe('the status report', () => {
  it('lists the components that are not ready, with their reasons', async () => {
    const readiness = createReadiness(['source']);
    readiness.probe('store', () => ({ ready: false, reason: 'redis reconnecting' }));
    const report = await collectStatus(sources({ readiness }));
    expect(report.ready).toBe(false);
    expect(report.notReady).toEqual([
      { component: 'source', reason: 'starting' },
      { component: 'store', reason: 'redis reconnecting' },
    ]);
  });

  it('counts dead letters by reason from the metrics, whatever the topic and event name', async () => {
    const metrics = createMetrics();
    const outcome = (topic: string, eventName: string, reason: string, count: number) => ({
      topic,
      eventName,
      outcome: 'dead_lettered' as const,
      reason,
      count,
    });
    metrics.observer.batchProcessed({
      records: 9,
      sessions: 1,
      sessionsRead: 1,
      sessionsKept: 0,
      outcomes: [
        outcome('cart-events', 'cart.item_added', 'invalid_payload', 2),
        outcome('payment-events', 'payment.failed', 'invalid_payload', 3),
        outcome('cart-events', 'x', 'topic_mismatch', 1),
        {
          topic: 'cart-events',
          eventName: 'cart.cleared',
          outcome: 'applied',
          reason: null,
          count: 3,
        },
      ],
      durationMs: 1,
      storeMs: 1,
    });
    const report = await collectStatus(sources({ registry: metrics.registry }));
    expect(report.deadLetters).toEqual([
      { reason: 'invalid_payload', count: 5 },
      { reason: 'topic_mismatch', count: 1 },
    ]);
  });

  it('shows a building generation with its progress over this member partitions', async () => {
    const report = await collectStatus(
      sources({
        generations: async () => ({
          active: '3',
          generations: [
            { id: '3', info: { state: 'switched' }, checkpoints: {} },
            { id: '2', info: { state: 'failed' }, checkpoints: {} },
            {
              id: '4',
              info: { state: 'building', from: 'earliest', created_at: 'c', heartbeat_at: 'h' },
              checkpoints: { 'cart-events:0': '40', 'cart-events:1': '70', 'cart-events:2': '9' },
            },
          ],
        }),
      }),
    );
    expect(report.generation).toMatchObject({
      ok: true,
      active: '3',
      fold: { generation: '3', builtBy: null, mismatch: false },
      rebuilds: [
        { id: '4', from: 'earliest', startedAt: 'c', heartbeatAt: 'h', stored: 90, target: 150 },
      ],
    });
  });

  it('still reports when the generations cannot be read, and keeps the last problem', async () => {
    const lastProblem = createLastProblem(() => new Date('2030-01-01T00:00:05Z'));
    lastProblem.note(30, 'info is not a problem');
    lastProblem.note(50, 'redis down');
    const report = await collectStatus(
      sources({
        lastProblem,
        generations: () => Promise.reject(new Error('Connection is closed.')),
      }),
    );
    expect(report.generation).toEqual({ ok: false, error: 'Connection is closed.' });
    expect(report.lastProblem).toEqual({
      level: 'error',
      message: 'redis down',
      at: '2030-01-01T00:00:05.000Z',
    });
    expect(report.partitions).toHaveLength(2);
  });

  it('does not wait for a store that hangs', async () => {
    const report = await collectStatus(sources({ generations: () => new Promise(() => {}) }));
    expect(report.generation).toEqual({
      ok: false,
      error: 'the store did not answer within 1000 ms',
    });
  });
});
