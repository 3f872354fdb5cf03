import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.ts';
import { kafkaAnswers } from './kafka-ready.ts';
import { sleep } from './sleep.ts';

/**
 * Kafka in Docker through testcontainers, for machines with a Docker engine (and no Java).
 * `@testcontainers/kafka` is not a dependency, so this is a `GenericContainer` running the
 * official `apache/kafka` image as a single KRaft node.
 *
 * A client must reach the broker at the address it advertises, and the host port is only
 * known after start when Docker picks it. So we pick a free host port first, bind the broker's
 * listener to it, and advertise `<docker host>:<that port>` up front.
 */
export interface KafkaContainerHandle {
  readonly brokers: string[];
  stop(): Promise<void>;
}

/** The apache/kafka image tag; matches scripts/kafka/fetch.sh's default broker version. */
export const kafkaImage = 'apache/kafka:3.9.1';

/** Starts the container, or returns `undefined` when no container runtime answers. */
export async function startKafkaContainer(): Promise<KafkaContainerHandle | undefined> {
  // testcontainers is large; load it only when there is a chance of a Docker engine.
  const { GenericContainer, Wait, getContainerRuntimeClient } = await import('testcontainers');
  let host: string;
  try {
    host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  } catch {
    return undefined;
  }
  const hostPort = await findFreePort();
  const container = await new GenericContainer(kafkaImage)
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '3',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  const brokers = [`${host}:${hostPort}`];
  const deadline = Date.now() + 30_000;
  while (!(await kafkaAnswers(brokers))) {
    if (Date.now() > deadline) {
      await container.stop();
      throw new Error(`kafka-container: ${kafkaImage} started but ${brokers[0]} does not answer`);
    }
    await sleep(250);
  }
  return {
    brokers,
    async stop() {
      await container.stop();
    },
  };
}

/** Cheap check before loading testcontainers: is any Docker endpoint configured or present? */
export function dockerMayBeAvailable(): boolean {
  if (
    process.env['DOCKER_HOST'] !== undefined ||
    process.env['TESTCONTAINERS_HOST_OVERRIDE'] !== undefined
  ) {
    return true;
  }
  const candidates = [
    '/var/run/docker.sock',
    join(homedir(), '.testcontainers.properties'),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    join('/run', 'user', String(userInfo().uid), 'docker.sock'),
    ...(process.env['XDG_RUNTIME_DIR']
      ? [join(process.env['XDG_RUNTIME_DIR'], 'docker.sock')]
      : []),
  ];
  return candidates.some((path) => existsSync(path));
}
