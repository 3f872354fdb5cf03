import { createKafka } from '@checkout/testkit';
import kafkajs from 'kafkajs';
import type { ProjectorHarness } from './projector-harness.ts';

export interface GroupDescription {
  state: string;
  /** Member id → physical topic → partitions, as the group leader assigned them. */
  members: Map<string, Record<string, number[]>>;
}

/** The consumer group as the broker describes it (DescribeGroups), assignments decoded. */
export async function describeGroup(harness: ProjectorHarness): Promise<GroupDescription> {
  const admin = createKafka(harness.brokers, 'describe-group').admin();
  await admin.connect();
  try {
    const {
      groups: [group],
    } = await admin.describeGroups([harness.group]);
    const members = new Map<string, Record<string, number[]>>();
    for (const member of group?.members ?? []) {
      const decoded = kafkajs.AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      members.set(member.memberId, decoded?.assignment ?? {});
    }
    return { state: group?.state ?? 'Dead', members };
  } finally {
    await admin.disconnect();
  }
}

/**
 * The partition numbers a member owns, if it owns the same numbers of every one of `topics`
 * (co-partitioned); null when its topics disagree.
 */
export function coPartitionedNumbers(
  assignment: Record<string, number[]>,
  topics: readonly string[],
): number[] | null {
  const numbers = topics.map((topic) => [...(assignment[topic] ?? [])].sort((a, b) => a - b));
  const first = JSON.stringify(numbers[0]);
  return numbers.every((list) => JSON.stringify(list) === first) ? (numbers[0] ?? []) : null;
}
