import { CHECKOUT_TOPICS, isCheckoutTopic, type CheckoutTopic } from '@checkout/domain';

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
  return {
    physical,
    toLogical(physicalTopic) {
      if (!physicalTopic.startsWith(prefix)) return undefined;
      const logical = physicalTopic.slice(prefix.length);
      return isCheckoutTopic(logical) ? logical : undefined;
    },
    toPhysical(logicalTopic) {
      return prefix + logicalTopic;
    },
  };
}
