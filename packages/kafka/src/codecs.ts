import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import kafkajs from 'kafkajs';
import createSnappyCodec from 'kafkajs-snappy';
import { compressFrame, decompressFrame } from 'lz4-napi';

/** The shape kafkajs expects behind `CompressionCodecs[type]()`. */
export interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const zstdCompressAsync = promisify(zstdCompress);
const zstdDecompressAsync = promisify(zstdDecompress);

/**
 * LZ4 as Kafka writes it since record batch v2 (KIP-57): the standard LZ4 *frame* format
 * (magic 0x184D2204), independent 64 KiB blocks, not raw LZ4 blocks. lz4-napi's frame API
 * (lz4_flex) writes exactly that by default and reads frames with or without checksums.
 */
export const lz4Codec: KafkaCodec = {
  compress: (encoder) => compressFrame(encoder.buffer),
  decompress: (buffer) => decompressFrame(buffer),
};

/** Zstandard frames (KIP-110), via Node 24's built-in zlib binding: no native add-on needed. */
export const zstdCodec: KafkaCodec = {
  compress: (encoder) => zstdCompressAsync(encoder.buffer),
  decompress: (buffer) => zstdDecompressAsync(buffer),
};

/**
 * Snappy via kafkajs-snappy: writes raw Snappy, reads both raw Snappy and the xerial framing
 * that the Java client writes.
 */
export const snappyCodec: KafkaCodec = createSnappyCodec();

/**
 * Registers Snappy, LZ4 and ZSTD in kafkajs' process-wide codec table (gzip is built in), so
 * batches compressed by any producer decode. Idempotent.
 */
export function registerCompressionCodecs(): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = () => lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => zstdCodec;
}
