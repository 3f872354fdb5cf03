import { CHECKOUT_TOPICS, type CheckoutTopic } from '@checkout/domain';

/**
 * Physical ↔ logical topic names. Deployments (and tests) may prefix the five topics
 * (`staging.cart-events`); the domain, the snapshots and the checkpoints always speak the
 * logical names of SPEC §2, so a snapshot does not depend on where it was built.
 */
export interface TopicNames {
  readonly physical: readonly string[];
  toLogical(physicalTopic: string): CheckoutTopic | undefined;
  toPhysical(logicalTopic: CheckoutTopic): string;
}

export function topicNames(prefix = ''): TopicNames {
  const physical = CHECKOUT_TOPICS.map((topic) => prefix + topic);
  // Asked once per record: a lookup, not a string slice and a catalog check each time.
  const logicalOf = new Map<string, CheckoutTopic>(
    CHECKOUT_TOPICS.map((topic) => [prefix + topic, topic]),
  );
  return {
    physical,
    toLogical: (physicalTopic) => logicalOf.get(physicalTopic),
    toPhysical: (logicalTopic) => prefix + logicalTopic,
  };
}
