import { EngineError } from '@checkout/engine';

/**
 * # Redis key layout (the contract for every reader, TypeScript or not)
 *
 * `<ns>` is the namespace, `checkout` unless configured (tests use a unique one each).
 * Braces are literal: they are Redis Cluster hash tags, part of the key name.
 *
 * | key                                      | type   | holds                                          |
 * |------------------------------------------|--------|------------------------------------------------|
 * | `<ns>:order:{<sessionId>}`               | string | snapshot JSON (see the published JSON Schema), |
 * |                                          |        | expires after SNAPSHOT_TTL_SECONDS, refreshed  |
 * |                                          |        | on every write (no TTL when it is 0)           |
 * | `<ns>:last-write:{<sessionId>}`          | string | Redis server time (ms since epoch) of the      |
 * |                                          |        | snapshot's last write; expires 2 × TTL after   |
 * |                                          |        | it (never when the TTL is 0). Outlives the     |
 * |                                          |        | snapshot, so a lost snapshot is told from a    |
 * |                                          |        | new session (see the README, "Expiry")         |
 * | `<ns>:checkpoint:{<group>}`              | hash   | field `<topic>:<partition>` → next offset to   |
 * |                                          |        | read, decimal string (logical topic names)     |
 * | `<ns>:active-generation`                 | string | id of the live generation; absent = base keys  |
 * | `<ns>:gen:<id>:order:{<sessionId>}`      | string | snapshot of generation `<id>`                  |
 * | `<ns>:gen:<id>:last-write:{<sessionId>}` | string | its last-write mark                            |
 * | `<ns>:gen:<id>:checkpoint:{<group>}`     | hash   | checkpoints of generation `<id>`               |
 * | `<ns>:generation-seq`                    | string | counter (INCR) that hands out generation ids   |
 * | `<ns>:dlq-replayed:{<group>}`            | set    | replayed dead letters (`checkout-rebuild dlq`) |
 *
 * The first three are the *base generation*. A blue/green rebuild writes a new generation
 * under `<ns>:gen:<id>:…`, then switches `<ns>:active-generation` to `<id>` in one atomic
 * step. To read a session:
 *
 *     gen = GET <ns>:active-generation
 *     key = gen == nil ? "<ns>:order:{<sessionId>}" : "<ns>:gen:<gen>:order:{<sessionId>}"
 *     doc = GET key            -- nil: unknown session (empty totals)
 *
 * Read the pointer on every request: it is what makes the switch atomic for readers. If `doc`
 * is nil, read the pointer once more and, if it changed, GET under the new generation: the
 * old one may have been switched away from and dropped between the two GETs.
 *
 * Generation ids and namespaces are `[A-Za-z0-9_.-]` only, so `:` keeps the layout
 * unambiguous. Session ids are used verbatim (1–200 chars, any text).
 */

export const DEFAULT_NAMESPACE = 'checkout';

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export interface Keyspace {
  readonly namespace: string;
  /** null = the base generation. */
  readonly generation: string | null;
  snapshot(sessionId: string): string;
  /** The session's last-write mark: same hash tag as its snapshot, so one slot in a cluster. */
  lastWrite(sessionId: string): string;
  checkpoints(group: string): string;
  /** The pointer that names the live generation of these keys (one per shard in a cluster). */
  readonly activeGeneration: string;
}

/** Keys of one generation (null = base) under one namespace. */
export function keyspace(
  namespace: string = DEFAULT_NAMESPACE,
  generation: string | null = null,
): Keyspace {
  assertName('namespace', namespace);
  if (generation !== null) assertName('generation id', generation);
  const root = generation === null ? namespace : `${namespace}:gen:${generation}`;
  return {
    namespace,
    generation,
    snapshot: (sessionId) => `${root}:order:{${sessionId}}`,
    lastWrite: (sessionId) => `${root}:last-write:{${sessionId}}`,
    checkpoints: (group) => `${root}:checkpoint:{${group}}`,
    activeGeneration: activeGenerationKey(namespace),
  };
}

/** The pointer key: holds the live generation id; absent = base keys. */
export function activeGenerationKey(namespace: string = DEFAULT_NAMESPACE): string {
  assertName('namespace', namespace);
  return `${namespace}:active-generation`;
}

/** The counter that hands out generation ids. */
export function generationSequenceKey(namespace: string = DEFAULT_NAMESPACE): string {
  assertName('namespace', namespace);
  return `${namespace}:generation-seq`;
}

/**
 * A SCAN MATCH pattern for every key of generation `id`. Names hold no glob characters
 * (`*?[]\\`), so nothing needs escaping.
 */
export function generationKeyPattern(namespace: string, generation: string): string {
  assertName('namespace', namespace);
  assertName('generation id', generation);
  return `${namespace}:gen:${generation}:*`;
}

/** Namespaces and generation ids: `[A-Za-z0-9_.-]`, so `:` and braces keep the layout unambiguous. */
export function assertName(what: string, name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new EngineError(
      'CONFIGURATION',
      `Invalid Redis ${what} ${JSON.stringify(name)}: use 1–64 characters of [A-Za-z0-9_.-].`,
      { canRetry: false, context: { [what]: name } },
    );
  }
}
