import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  lz4Codec,
  registerCompressionCodecs,
  snappyCodec,
  zstdCodec,
  type KafkaCodec,
} from './codecs.ts';
import { JAVA_COMPRESSED, javaFixtureInput } from './test-support/java-compressed.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;
registerCompressionCodecs();

const registered = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

function codecFor(type: number): KafkaCodec {
  const factory = (CompressionCodecs as Record<number, () => KafkaCodec>)[type];
  if (factory === undefined) throw new Error(`no codec ${type}`);
  return factory();
}

const samples = {
  empty: Buffer.alloc(0),
  json: Buffer.from(JSON.stringify({ event_id: 'e-1', payload: { sku: 'SKU-1', quantity: 2 } })),
  large: javaFixtureInput(),
  random: Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24)),
};

describe('compression codecs', () => {
  describe.each(Object.entries(registered))('%s, registered in kafkajs', (name, type) => {
    it.each(Object.entries(samples))('round-trips %s', async (_sample, input) => {
      const codec = codecFor(type);
      const compressed = await codec.compress({ buffer: input });
      expect(Buffer.from(await codec.decompress(compressed)).equals(input)).toBe(true);
    });

    it('decodes what the Kafka Java client compressed', async () => {
      const compressed = Buffer.from(JAVA_COMPRESSED[name as keyof typeof registered], 'base64');
      const decoded = await codecFor(type).decompress(compressed);
      expect(Buffer.from(decoded).equals(javaFixtureInput())).toBe(true);
    });
  });

  it('writes LZ4 frames (magic 0x184D2204), the format Kafka uses since record batch v2', async () => {
    const compressed = await lz4Codec.compress({ buffer: samples.json });
    expect(compressed.subarray(0, 4).toString('hex')).toBe('04224d18');
  });

  it('writes zstd frames (magic 0xFD2FB528)', async () => {
    const compressed = await zstdCodec.compress({ buffer: samples.json });
    expect(compressed.subarray(0, 4).toString('hex')).toBe('28b52ffd');
  });

  it('reads Snappy in the xerial framing that Java producers write', async () => {
    const framed = Buffer.from(JAVA_COMPRESSED.snappy, 'base64');
    expect(framed.subarray(0, 8).toString('hex')).toBe('82534e4150505900');
    expect(Buffer.from(await snappyCodec.decompress(framed)).equals(javaFixtureInput())).toBe(true);
  });
});
