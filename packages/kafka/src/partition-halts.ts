import { topicPartitionKey, type EngineError, type TopicPartition } from '@checkout/engine';
import type { KafkaLog } from './kafka-log.ts';
import type { SourceReadiness } from './source-readiness.ts';

/** A partition stopped by an alarm: it is paused, and nothing past its checkpoint is applied. */
export interface HaltedPartition extends TopicPartition {
  /**
   * `history_truncated`: records the state never applied are gone from the log;
   * `dead_letter_refused`: the dead-letter topic refuses the batch's entries for good;
   * `batch_too_large`: one record's commit alone exceeds what the store takes at once.
   */
  reason: HaltReason;
  message: string;
}

export type HaltReason = 'history_truncated' | 'dead_letter_refused' | 'batch_too_large';

/** The alarm an error raises on its partition, or null when it is not a partition's alarm. */
export function haltReasonOf(error: EngineError): HaltReason | null {
  if (error.code === 'HISTORY_TRUNCATED') return 'history_truncated';
  if (error.code === 'DEAD_LETTER_REFUSED') return 'dead_letter_refused';
  if (error.code === 'BATCH_TOO_LARGE') return 'batch_too_large';
  return null;
}

/**
 * Partitions of this member stopped by an alarm while the others keep going (SPEC §6, "No
 * silent skip"; a dead-letter entry the topic refuses for good). Halting pauses the partition in
 * the consumer, logs one error line naming it (with its checkpoint and log start for a history
 * alarm), and makes the source not ready with that reason. A new assignment clears every halt: the partition is checked again from the stored
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
        : `${first.reason} on ${list.map(({ topic, partition }) => topicPartitionKey(topic, partition)).join(', ')}: ${first.message}`,
    );
    context.onChange?.(list);
  }

  return {
    halt(topic, partition, error) {
      const key = topicPartitionKey(topic, partition);
      const reason = haltReasonOf(error);
      if (reason === null) throw new Error(`bug: ${error.code} is not a partition alarm`);
      if (halted.has(key)) return;
      halted.set(key, { topic, partition, reason, message: error.message });
      context.pause({ topic, partition });
      context.log.error(
        { alarm: reason, topic, partition, ...error.context },
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
