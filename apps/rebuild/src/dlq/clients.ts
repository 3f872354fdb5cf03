import type { KafkaClient } from '../kafka-admin.ts';
import type { RedisClient } from '../redis-client.ts';

/** The kafkajs client of the CLI context (`createKafka` from @checkout/kafka). */
export type Kafka = KafkaClient;
export type Producer = ReturnType<Kafka['producer']>;
export type ProducerMessage = Parameters<Producer['send']>[0]['messages'][number];

/** The Redis client of the CLI context (one server or a cluster). */
export type Redis = RedisClient;
