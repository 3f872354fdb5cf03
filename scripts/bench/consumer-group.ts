import type { KafkaClient } from './produce-records.ts';

export type Admin = ReturnType<KafkaClient['admin']>;

/**
 * Resolves with `performance.now()` at the first poll that finds `groupId` Stable with a member:
 * the moment a consumer (in this process or a child) has joined and may fetch. Throughput is
 * measured from there, so the group protocol's start-up is not counted as processing time.
 */
export async function waitForStableGroup(
  admin: Admin,
  groupId: string,
  options: { signal: AbortSignal; pollMs?: number },
): Promise<number> {
  const pollMs = options.pollMs ?? 25;
  while (!options.signal.aborted) {
    const described = await admin.describeGroups([groupId]).catch(() => undefined);
    const group = described?.groups[0];
    if (group !== undefined && group.state === 'Stable' && group.members.length > 0) {
      return performance.now();
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`consumer group ${groupId} never became Stable`);
}

/** High watermark per physical `"<topic>:<partition>"`, partitions with records only. */
export async function highWatermarks(
  admin: Admin,
  topics: readonly string[],
): Promise<Map<string, bigint>> {
  const highs = new Map<string, bigint>();
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (BigInt(high) > BigInt(low)) highs.set(`${topic}:${partition}`, BigInt(high));
    }
  }
  return highs;
}
