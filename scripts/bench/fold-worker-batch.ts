import type { SourceRecord } from '@checkout/engine';

/**
 * One source batch as one transferable buffer (keys and values back to back) plus small arrays:
 * what a main thread that only moves bytes would hand a fold worker. Headers are not carried.
 */
export interface PackedBatch {
  topic: string;
  partition: number;
  offsets: string[];
  timestamps: string[];
  /** Per record: key length, value length (-1: null). */
  lengths: Int32Array;
  bytes: Uint8Array<ArrayBuffer>;
}

export function packBatch(batch: readonly SourceRecord[]): PackedBatch {
  const lengths = new Int32Array(batch.length * 2);
  let total = 0;
  batch.forEach((record, index) => {
    lengths[2 * index] = record.key?.length ?? -1;
    lengths[2 * index + 1] = record.value?.length ?? -1;
    total += (record.key?.length ?? 0) + (record.value?.length ?? 0);
  });
  const bytes = new Uint8Array(new ArrayBuffer(total));
  let at = 0;
  for (const record of batch) {
    for (const part of [record.key, record.value]) {
      if (part === null) continue;
      bytes.set(part, at);
      at += part.length;
    }
  }
  return {
    topic: batch[0]?.topic ?? '',
    partition: batch[0]?.partition ?? 0,
    offsets: batch.map((record) => record.offset),
    timestamps: batch.map((record) => record.timestamp),
    lengths,
    bytes,
  };
}

export function unpackBatch(packed: PackedBatch): SourceRecord[] {
  const records: SourceRecord[] = [];
  const buffer = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
  let at = 0;
  const slice = (length: number): Buffer | null => {
    if (length < 0) return null;
    const part = buffer.subarray(at, at + length);
    at += length;
    return part;
  };
  for (let index = 0; index < packed.offsets.length; index += 1) {
    const key = slice(packed.lengths[2 * index] ?? -1);
    const value = slice(packed.lengths[2 * index + 1] ?? -1);
    records.push({
      topic: packed.topic,
      partition: packed.partition,
      offset: packed.offsets[index] ?? '0',
      key,
      value,
      headers: {},
      timestamp: packed.timestamps[index] ?? '0',
    });
  }
  return records;
}
