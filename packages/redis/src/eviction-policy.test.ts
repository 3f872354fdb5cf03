import { describe, expect, it } from 'vitest';
import { evictionRisk } from './eviction-policy.ts';

describe('evictionRisk', () => {
  it('accepts noeviction, and volatile-* only when snapshots carry no expiry', () => {
    expect(evictionRisk('noeviction', 3600)).toBeNull();
    expect(evictionRisk('volatile-lru', 0)).toBeNull();
    expect(evictionRisk('volatile-ttl', 3600)).toMatch(/expiry/);
  });

  it('refuses allkeys-* whatever the TTL, and policies it does not know', () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random'])
      expect(evictionRisk(policy, 0)).toMatch(/any key/);
    expect(evictionRisk('some-future-policy', 0)).toMatch(/not a policy/);
  });
});
