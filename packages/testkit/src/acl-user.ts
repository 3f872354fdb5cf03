import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { onCleanup } from './cleanup.ts';

export interface AclUser {
  readonly username: string;
  /** Random per user: a test can search every output for it. */
  readonly password: string;
}

/**
 * Creates a Redis ACL user with `rules` (`ACL SETUSER <name> reset on ><password> <rules…>`)
 * through the admin connection at `adminUrl`, and deletes it when the test (or suite) ends.
 */
export async function createAclUser(
  adminUrl: string,
  username: string,
  rules: readonly string[],
): Promise<AclUser> {
  const password = randomBytes(16).toString('hex');
  const admin = new Redis(adminUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', username, 'reset', 'on', `>${password}`, ...rules);
  } finally {
    admin.disconnect();
  }
  onCleanup(async () => {
    const cleanup = new Redis(adminUrl, { maxRetriesPerRequest: 1 });
    try {
      await cleanup.call('ACL', 'DELUSER', username);
    } finally {
      cleanup.disconnect();
    }
  });
  return { username, password };
}
