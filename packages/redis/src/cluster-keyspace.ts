import { assertName, type Keyspace } from './keyspace.ts';

/**
 * # Redis Cluster key layout: partition number N is the unit of the store
 *
 * A batch of the projector holds partition number N of the five topics, and only sessions
 * whose key hashes to N. So every key of partition N carries one hash tag, `{<ns>:p<N>}`: one
 * slot, so the batch's compare-and-set script stays legal in a cluster, and the snapshots,
 * marks, checkpoints and generation pointer of N live on one master and are lost together (a
 * replica promoted after an asynchronous-replication loss, a flushed master): the existing
 * checkpoint guard then replays exactly those partitions.
 *
 * | key                                       | type   | holds                                       |
 * |-------------------------------------------|--------|---------------------------------------------|
 * | `{<ns>:p<N>}:order:<sessionId>`           | string | snapshot JSON, TTL as standalone            |
 * | `{<ns>:p<N>}:last-write:<sessionId>`      | string | last-write mark (last-write-mark.ts)        |
 * | `{<ns>:p<N>}:checkpoint:<group>`          | hash   | field `<topic>:<N>` → next offset           |
 * | `{<ns>:p<N>}:active-generation`           | string | live generation of partition N; absent=base |
 * | `{<ns>:p<N>}:gen:<id>:order:<sessionId>`  | string | snapshot in generation `<id>`               |
 * | `{<ns>:p<N>}:gen:<id>:last-write:<sid>`   | string | its mark                                    |
 * | `{<ns>:p<N>}:gen:<id>:checkpoint:<group>` | hash   | checkpoints of generation `<id>`            |
 * | `<ns>:layout`                             | hash   | mode, partitions, hash (layout-record.ts)   |
 *
 * N is the session's partition: `toPositive(murmur2(utf8(sessionId))) % partitions`
 * (partition-for-key.ts), with `partitions` from `<ns>:layout`. The namespace is inside the
 * tag so that two projections in one cluster use different slots. Only the first `{…}` of a
 * key is its tag, so a session id holding braces is harmless after ours.
 */
export function clusterKeyspace(
  namespace: string,
  partition: number,
  generation: string | null = null,
): Keyspace {
  assertName('namespace', namespace);
  if (generation !== null) assertName('generation id', generation);
  if (!Number.isSafeInteger(partition) || partition < 0) {
    throw new RangeError(`bug: partition ${partition} is not a partition number`);
  }
  const tag = partitionTag(namespace, partition);
  const root = generation === null ? tag : `${tag}:gen:${generation}`;
  return {
    namespace,
    generation,
    snapshot: (sessionId) => `${root}:order:${sessionId}`,
    lastWrite: (sessionId) => `${root}:last-write:${sessionId}`,
    checkpoints: (group) => `${root}:checkpoint:${group}`,
    activeGeneration: `${tag}:active-generation`,
  };
}

/** `{<ns>:p<N>}`: the hash tag of every key of partition number N. */
export function partitionTag(namespace: string, partition: number): string {
  return `{${namespace}:p${partition}}`;
}
