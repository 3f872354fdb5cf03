import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectorAclRules, rebuildAclRules } from './acl-rules.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('the ACL lines in the README', () => {
  it('are exactly the rules the secure tests run both programs with', () => {
    expect(readme).toContain(
      `ACL SETUSER checkout-projector on >PASSWORD ${projectorAclRules('checkout').join(' ')}\n`,
    );
    expect(readme).toContain(
      `ACL SETUSER checkout-rebuild on >PASSWORD ${rebuildAclRules('checkout').join(' ')}\n`,
    );
  });
});
