import { EngineError } from '@checkout/engine';
import { describe, expect, it } from 'vitest';
import {
  activeGenerationKey,
  generationKeyPattern,
  generationSequenceKey,
  keyspace,
} from './keyspace.ts';

describe('keyspace', () => {
  it('lays out the base generation under the checkout namespace', () => {
    const keys = keyspace();
    expect(keys.snapshot('s-1')).toBe('checkout:order:{s-1}');
    expect(keys.lastWrite('s-1')).toBe('checkout:last-write:{s-1}');
    expect(keys.checkpoints('checkout-projector')).toBe('checkout:checkpoint:{checkout-projector}');
    expect(activeGenerationKey()).toBe('checkout:active-generation');
    expect(generationSequenceKey()).toBe('checkout:generation-seq');
  });

  it('puts a generation under <ns>:gen:<id>:', () => {
    const keys = keyspace('checkout', '7');
    expect(keys.snapshot('s-1')).toBe('checkout:gen:7:order:{s-1}');
    expect(keys.lastWrite('s-1')).toBe('checkout:gen:7:last-write:{s-1}');
    expect(keys.checkpoints('g')).toBe('checkout:gen:7:checkpoint:{g}');
    expect(generationKeyPattern('checkout', '7')).toBe('checkout:gen:7:*');
  });

  it('replaces the leading checkout everywhere with the namespace', () => {
    const keys = keyspace('t-abc', '2');
    expect(keys.snapshot('x')).toBe('t-abc:gen:2:order:{x}');
    expect(keyspace('t-abc').checkpoints('g')).toBe('t-abc:checkpoint:{g}');
    expect(activeGenerationKey('t-abc')).toBe('t-abc:active-generation');
  });

  it('uses session ids verbatim inside the hash tag', () => {
    expect(keyspace().snapshot('a:b {c}')).toBe('checkout:order:{a:b {c}}');
  });

  it.each(['', 'a:b', 'a*', 'gen id', 'x'.repeat(65)])(
    'refuses the name %j as a configuration error',
    (name) => {
      expect(() => keyspace(name)).toThrow(EngineError);
      expect(() => keyspace('checkout', name)).toThrow(/generation id/);
    },
  );
});
