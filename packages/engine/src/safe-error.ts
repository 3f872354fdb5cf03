/**
 * # Errors as they may appear in logs and CLI output: no secret, no snapshot content
 *
 * Client libraries hang what they sent on their errors: ioredis a `command: { name, args }`
 * (for a refused `AUTH`, the args are the user *and the password*; for a failed `EVALSHA`, whole
 * snapshot documents: personal data), kafkajs its request. A logger's default error serializer
 * prints every enumerable property, and `cause` chains carry them further. This serializer
 * keeps what an operator needs (type, message, code, retryability, context, the command's
 * *name*, the causes) and drops the rest; URLs lose their userinfo wherever they appear.
 * Both apps log errors through it.
 */
export interface SafeError {
  type: string;
  message: string;
  code?: string;
  canRetry?: boolean;
  context?: Record<string, unknown>;
  /** The name of the Redis command that failed; never its arguments. */
  command?: string;
  cause?: SafeError;
}

const MAX_CAUSES = 5;
const MAX_TEXT = 2_000;

export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error, message: redactText(String(error)) };
  const out: SafeError = { type: error.name, message: redactText(error.message) };
  const fields = error as Error & Record<string, unknown>;
  if (typeof fields['code'] === 'string' || typeof fields['code'] === 'number')
    out.code = String(fields['code']);
  if (typeof fields['canRetry'] === 'boolean') out.canRetry = fields['canRetry'];
  if (isRecord(fields['context'])) out.context = safeContext(fields['context']);
  const command = fields['command'];
  if (isRecord(command) && typeof command['name'] === 'string') out.command = command['name'];
  if (error.cause !== undefined && depth < MAX_CAUSES)
    out.cause = safeError(error.cause, depth + 1);
  return out;
}

/** A string with every `scheme://user:password@` reduced to `scheme://***@`, and bounded. */
export function redactText(text: string): string {
  const redacted = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
  return redacted.length > MAX_TEXT
    ? `${redacted.slice(0, MAX_TEXT)}… (${redacted.length} chars)`
    : redacted;
}

/** Context fields are ours, but may hold a URL; only short scalars are kept. */
function safeContext(context: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(context)) {
    if (/password|secret|token|credential/i.test(name)) continue;
    if (typeof value === 'string') out[name] = redactText(value).slice(0, 500);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null)
      out[name] = value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
