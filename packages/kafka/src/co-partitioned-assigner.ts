import kafkajs from 'kafkajs';
import type { Assigner, PartitionAssigner } from 'kafkajs';

/** Partitions per topic, per member id: `{ "cart-events": [0, 3], … }`. */
export type MemberPartitions = Record<string, number[]>;

/**
 * Partition N of every topic goes to the same member, like Kafka Streams' co-partitioning:
 * members sorted by id, partition N → member N mod count. The five topics are keyed by
 * session id with the same partitioner and partition count (SPEC §6), so all of a session's
 * events land on one member: the only writer of that session's snapshot.
 *
 * Pure: every member receives an entry, members beyond the partition count an empty one.
 */
export function coPartitionedAssignment(
  memberIds: readonly string[],
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, MemberPartitions> {
  const members = [...memberIds].sort();
  const assignment = new Map<string, MemberPartitions>(members.map((id) => [id, {}]));
  if (members.length === 0) return assignment;
  for (const [topic, partitions] of partitionsByTopic) {
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const member = assignment.get(members[partition % members.length] ?? '');
      if (member !== undefined) (member[topic] ??= []).push(partition);
    }
  }
  return assignment;
}

/** Topics whose partition count differs from the first topic's: co-partitioning is broken. */
export function partitionCountMismatch(
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): string | null {
  const counts = [...partitionsByTopic].map(
    ([topic, partitions]) => `${topic}=${partitions.length}`,
  );
  const distinct = new Set([...partitionsByTopic.values()].map((partitions) => partitions.length));
  return distinct.size > 1 ? counts.join(', ') : null;
}

export const CO_PARTITIONED_ASSIGNER_NAME = 'CoPartitionedAssigner';

/** The kafkajs `PartitionAssigner` for `coPartitionedAssignment`; the group leader runs it. */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster, logger }) => {
  const { MemberAssignment, MemberMetadata } = kafkajs.AssignerProtocol;
  const version = 0;
  const assigner: Assigner = {
    name: CO_PARTITIONED_ASSIGNER_NAME,
    version,
    async assign({ members, topics }) {
      const partitionsByTopic = new Map(
        topics.map((topic) => [
          topic,
          cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId),
        ]),
      );
      const mismatch = partitionCountMismatch(partitionsByTopic);
      if (mismatch !== null) {
        logger.error('Topics are not co-partitioned: a session may be split across consumers', {
          mismatch,
        });
      }
      const assignment = coPartitionedAssignment(
        members.map((member) => member.memberId),
        partitionsByTopic,
      );
      return [...assignment].map(([memberId, partitions]) => ({
        memberId,
        memberAssignment: MemberAssignment.encode({
          version,
          assignment: partitions,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: CO_PARTITIONED_ASSIGNER_NAME,
        metadata: MemberMetadata.encode({ version, topics, userData: Buffer.alloc(0) }),
      };
    },
  };
  return assigner;
};
