import { activeGenerationKey } from './keyspace.ts';

/**
 * Least-privilege Redis ACL rules (`ACL SETUSER <user> <rules…>`) for the two programs, on one
 * namespace's keys (keyspace.ts). The README prints them for `checkout`; the `secure` tests
 * run both programs as users made from exactly these rules, so a command added to the code
 * without its permission fails there with a NOPERM that names it.
 *
 * Commands a script runs are checked against the same user (Redis ≥ 7), so the scripts' GET,
 * HGET, HSET, SET and TIME are listed too. Connecting needs AUTH (always allowed), CLIENT
 * SETNAME (the connection name) and INFO (ioredis' ready check; the eviction-policy check
 * reads `INFO memory`, not CONFIG GET, for the same reason managed Redis services allow it).
 */

/** What both need: connect (CLIENT SETNAME, INFO), PING, and run scripts and what they call. */
const CONNECT_AND_SCRIPTS = [
  'resetchannels',
  '-@all',
  '+ping',
  '+info',
  '+client|setname',
  '+evalsha',
  '+eval',
  '+get',
  '+mget',
  '+set',
  '+hget',
  '+hmget',
  '+hset',
  '+time',
] as const;

/**
 * `checkout-projector`: reads and compare-and-sets snapshots, marks and checkpoints of the base
 * and of any generation (it follows the active one), reads the pointer; in a Redis Cluster the
 * same under each partition's tag, and the layout record. `/status` and the start-time fold
 * version line list the generations (SCAN MATCH `<ns>:gen:*:info`, HGETALL of their info and
 * checkpoints): SCAN names keys outside the namespace too, which is why it is the only
 * keyspace-wide command here. No deletes, no CONFIG, no KEYS, no pub/sub.
 */
export function projectorAclRules(namespace: string): string[] {
  return [
    'resetkeys',
    `~${namespace}:order:*`,
    `~${namespace}:last-write:*`,
    `~${namespace}:checkpoint:*`,
    `~${namespace}:gen:*`,
    `~${activeGenerationKey(namespace)}`,
    `~${namespace}:layout`,
    `~{${namespace}:p*`,
    ...CONNECT_AND_SCRIPTS,
    '+scan',
    '+hgetall',
    // The layout record's script (layout-record.ts), in cluster mode.
    '+exists',
  ];
}

/**
 * `checkout-rebuild`: everything under the namespace the projector may do, and what a rebuild,
 * `--verify`, `status`, `dlq replay` and dropping generations add (SCAN, COPY, INCR, deletes,
 * the replayed-dead-letters set, OBJECT IDLETIME). Still no FLUSH*, KEYS, CONFIG or DEBUG.
 * `+client|no-touch` (Redis ≥ 7.2) keeps its reads from resetting the idle time `status`
 * shows; older servers do not know the subcommand, so it is not in this list.
 */
export function rebuildAclRules(namespace: string): string[] {
  return [
    'resetkeys',
    `~${namespace}:*`,
    `~{${namespace}:p*`,
    ...CONNECT_AND_SCRIPTS,
    '+hgetall',
    '+exists',
    '+scan',
    '+copy',
    '+incr',
    '+del',
    '+unlink',
    '+sadd',
    '+smismember',
    '+object|idletime',
  ];
}
