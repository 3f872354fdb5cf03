import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { registerCompressionCodecs } from './codecs.ts';
import { kafkaConfig, type KafkaConnectionOptions } from './kafka-config.ts';

/** A kafkajs client for these options, with every compression codec Kafka uses registered. */
export function createKafka(options: KafkaConnectionOptions): Kafka {
  registerCompressionCodecs();
  return new kafkajs.Kafka(kafkaConfig(options));
}
