import { topicPartitionKey, type EngineError, type TopicPartition } from '@checkout/engine';
import type { KafkaLog } from './kafka-log.ts';
import type { SourceReadiness } from './source-readiness.ts';

/** A partition stopped by an alarm: it is paused, and nothing past its checkpoint is applied. */
export interface HaltedPartition extends TopicPartition {
  /** `history_truncated`: records the state never applied are gone from the log. */
  reason: 'history_truncated';
  message: string;
}

/**
 * Partitions of this member stopped by a `HISTORY_TRUNCATED` alarm while the others keep going
 * (SPEC §6, "No silent skip"). Halting pauses the partition in the consumer, logs one error
 * line naming it with its checkpoint and log start, and makes the source not ready with that
 * reason. A new assignment clears every halt: the partition is checked again from the stored
 * checkpoint by whoever owns it next, and halts again if the history is still missing.
 */
export interface PartitionHalts {
  halt(topic: string, partition: number, error: EngineError): void;
  isHalted(topic: string, partition: number): boolean;
  /** Resumes every halted partition (a new assignment). */
  clear(): void;
}

export function createPartitionHalts(context: {
  pause(partition: TopicPartition): void;
  resume(partitions: readonly TopicPartition[]): void;
  readiness: SourceReadiness;
  log: KafkaLog;
  onChange?: ((halted: readonly HaltedPartition[]) => void) | undefined;
}): PartitionHalts {
  const halted = new Map<string, HaltedPartition>();

  function publish(): void {
    const list = [...halted.values()];
    const first = list[0];
    context.readiness.halted(
      first === undefined
        ? null
        : `history_truncated on ${list.map(({ topic, partition }) => topicPartitionKey(topic, partition)).join(', ')}: ${first.message}`,
    );
    context.onChange?.(list);
  }

  return {
    halt(topic, partition, error) {
      const key = topicPartitionKey(topic, partition);
      if (halted.has(key)) return;
      halted.set(key, { topic, partition, reason: 'history_truncated', message: error.message });
      context.pause({ topic, partition });
      context.log.error(
        { alarm: 'history_truncated', topic, partition, ...error.context },
        `Partition halted: ${error.message}`,
      );
      publish();
    },
    isHalted: (topic, partition) => halted.has(topicPartitionKey(topic, partition)),
    clear() {
      if (halted.size === 0) return;
      context.resume([...halted.values()]);
      halted.clear();
      publish();
    },
  };
}
