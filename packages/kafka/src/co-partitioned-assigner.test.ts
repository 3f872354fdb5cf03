import kafkajs from 'kafkajs';
import type { Cluster, Logger } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  coPartitionedAssigner,
  coPartitionedAssignment,
  partitionCountMismatch,
  CO_PARTITIONED_ASSIGNER_NAME,
} from './co-partitioned-assigner.ts';

const topics = [
  'cart-events',
  'shipping-events',
  'promotion-events',
  'services-events',
  'payment-events',
];
const layout = (partitions: number) =>
  new Map(topics.map((topic) => [topic, [...Array(partitions).keys()]]));

describe('coPartitionedAssignment', () => {
  it('gives partition N of every topic to the same member: N mod members, members sorted by id', () => {
    const assignment = coPartitionedAssignment(['m-b', 'm-c', 'm-a'], layout(6));
    expect(assignment.get('m-a')).toEqual(Object.fromEntries(topics.map((t) => [t, [0, 3]])));
    expect(assignment.get('m-b')).toEqual(Object.fromEntries(topics.map((t) => [t, [1, 4]])));
    expect(assignment.get('m-c')).toEqual(Object.fromEntries(topics.map((t) => [t, [2, 5]])));
  });

  it('assigns every partition exactly once, whatever the member order', () => {
    for (const members of [['x'], ['b', 'a'], ['d', 'a', 'c', 'b'], ['1', '10', '2']]) {
      const assignment = coPartitionedAssignment(members, layout(7));
      for (const topic of topics) {
        const owned = [...assignment.values()].flatMap((partitions) => partitions[topic] ?? []);
        expect(owned.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      }
      expect(coPartitionedAssignment([...members].reverse(), layout(7))).toEqual(assignment);
    }
  });

  it('gives members beyond the partition count an empty assignment', () => {
    const assignment = coPartitionedAssignment(['a', 'b', 'c', 'd'], layout(2));
    expect(assignment.get('c')).toEqual({});
    expect(assignment.get('d')).toEqual({});
    expect(assignment.get('b')).toEqual(Object.fromEntries(topics.map((t) => [t, [1]])));
  });

  it('returns nothing for no members', () => {
    expect(coPartitionedAssignment([], layout(3)).size).toBe(0);
  });
});

describe('partitionCountMismatch', () => {
  it('names the counts when topics differ, null when they agree', () => {
    expect(partitionCountMismatch(layout(3))).toBeNull();
    const skewed = layout(3).set('payment-events', [0, 1, 2, 3]);
    expect(partitionCountMismatch(skewed)).toContain('payment-events=4');
  });
});

describe('coPartitionedAssigner (kafkajs protocol)', () => {
  const { MemberAssignment, MemberMetadata } = kafkajs.AssignerProtocol;
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      [0, 1, 2].map((partitionId) => ({
        partitionId,
        topic,
        leader: 1,
        partitionErrorCode: 0,
        replicas: [1],
        isr: [1],
      })),
  } as unknown as Cluster;
  const logger = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
  const assigner = coPartitionedAssigner({ cluster, groupId: 'g', logger });

  it('encodes the assignment for each member', async () => {
    const members = ['m2', 'm1'].map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) }));
    const encoded = await assigner.assign({ members, topics });
    const decoded = Object.fromEntries(
      encoded.map(({ memberId, memberAssignment }) => [
        memberId,
        MemberAssignment.decode(memberAssignment)?.assignment,
      ]),
    );
    expect(decoded['m1']).toEqual(Object.fromEntries(topics.map((t) => [t, [0, 2]])));
    expect(decoded['m2']).toEqual(Object.fromEntries(topics.map((t) => [t, [1]])));
  });

  it('announces its name and the subscribed topics', () => {
    const { name, metadata } = assigner.protocol({ topics });
    expect(name).toBe(CO_PARTITIONED_ASSIGNER_NAME);
    expect(MemberMetadata.decode(metadata)?.topics).toEqual(topics);
  });
});
