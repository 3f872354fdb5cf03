import { EngineError } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import { clusterLayout, standaloneLayout } from './key-layout.ts';
import { partitionForKey } from './partition-for-key.ts';

describe('clusterLayout', () => {
  const layout = clusterLayout('checkout', 6);

  it("puts every key of a session under its murmur2 partition's tag, namespace inside", () => {
    const shard = layout.shardOfSession('s-1');
    expect(shard).toBe(partitionForKey('s-1', 6));
    const keys = layout.keys(shard, null);
    expect(keys.snapshot('s-1')).toBe(`{checkout:p${shard}}:order:s-1`);
    expect(keys.lastWrite('s-1')).toBe(`{checkout:p${shard}}:last-write:s-1`);
    expect(keys.checkpoints('g')).toBe(`{checkout:p${shard}}:checkpoint:g`);
    expect(keys.activeGeneration).toBe(`{checkout:p${shard}}:active-generation`);
  });

  it('keeps a generation inside the same tag, so its pointer guard stays in one slot', () => {
    const keys = layout.keys(4, '7');
    expect(keys.snapshot('x')).toBe('{checkout:p4}:gen:7:order:x');
    expect(keys.checkpoints('g')).toBe('{checkout:p4}:gen:7:checkpoint:g');
    expect(keys.activeGeneration).toBe('{checkout:p4}:active-generation');
  });

  it('maps a topic partition to its own shard and refuses one past the laid-out count', () => {
    expect(layout.shards).toEqual([0, 1, 2, 3, 4, 5]);
    expect(layout.shardOfPartition(5)).toBe(5);
    expect(() => layout.shardOfPartition(6)).toThrow(EngineError);
    expect(() => layout.shardOfPartition(6)).toThrow(/REDIS_NAMESPACE=<new> checkout-rebuild/);
  });

  it('finds the keys of one generation, not a session id that merely contains its name', () => {
    const generation = layout.generationKeys('5');
    expect(generation.pattern).toBe('{checkout:p*}:gen:5:*');
    expect(generation.matches('{checkout:p3}:gen:5:order:a')).toBe(true);
    expect(generation.matches('{checkout:p3}:order:x}:gen:5:y')).toBe(false);
    expect(generation.matches('{checkout:p3}:gen:50:order:a')).toBe(false);
    expect(generation.matches('{checkout:p9}:gen:5:order:a')).toBe(false);
  });

  it('reads the session id back from a snapshot key of a generation', () => {
    const base = layout.snapshotKeys(null);
    expect(base.sessionOf('{checkout:p2}:order:a:b {c}')).toBe('a:b {c}');
    expect(base.sessionOf('{checkout:p2}:gen:3:order:a')).toBeNull();
    expect(base.sessionOf('{checkout:p2}:last-write:a')).toBeNull();
    expect(layout.snapshotKeys('3').sessionOf('{checkout:p2}:gen:3:order:a')).toBe('a');
  });
});

describe('standaloneLayout', () => {
  it('is the one-shard layout of keyspace.ts', () => {
    const layout = standaloneLayout('t');
    expect(layout.shards).toEqual([0]);
    expect(layout.shardOfSession('anything')).toBe(0);
    expect(layout.shardOfPartition(99)).toBe(0);
    expect(layout.keys(0, null).snapshot('s')).toBe('t:order:{s}');
    expect(layout.keys(0, '2').activeGeneration).toBe('t:active-generation');
    expect(layout.generationKeys('2').pattern).toBe('t:gen:2:*');
    expect(layout.snapshotKeys(null).sessionOf('t:order:{a}b}')).toBe('a}b');
    expect(layout.snapshotKeys(null).sessionOf('t:gen:2:order:{a}')).toBeNull();
  });
});
