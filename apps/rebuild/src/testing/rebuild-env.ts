import type { ProjectorHarness } from '@checkout/projector/testing';

/** The projector's environment for a harness deployment: what an operator runs the CLI with. */
export function rebuildEnv(
  harness: ProjectorHarness,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    KAFKA_BROKERS: harness.brokers.join(','),
    KAFKA_GROUP_ID: harness.group,
    KAFKA_TOPIC_PREFIX: `${harness.names.prefix}.`,
    ...harness.redisEnv,
    REDIS_NAMESPACE: harness.namespace,
    DLQ_TOPIC: harness.dlqTopic,
    ...extra,
  };
}

/** Every key under the namespace with its value (strings) or fields (hashes): a fingerprint. */
export async function namespaceContents(
  redis: ProjectorHarness['redis'],
  namespace: string,
): Promise<Map<string, string>> {
  const contents = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : ((await redis.get(key)) ?? '');
      contents.set(key, value);
    }
  } while (cursor !== '0');
  return contents;
}
