import type { z } from 'zod';

const MAX_LISTED_ISSUES = 3;

/**
 * A zod error as one line naming each field, e.g.
 * `payload.quantity: Too big: expected number to be <=1000000`.
 * `prefix` is where the validated value sits in the message; `whole` names it when the issue is
 * about the value itself (an empty path).
 */
export function describeIssues(
  error: z.ZodError,
  prefix: readonly PropertyKey[],
  whole: string,
): string {
  const listed = error.issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => `${fieldPath([...prefix, ...issue.path]) || whole}: ${issue.message}`);
  const more = error.issues.length - listed.length;
  return more > 0 ? `${listed.join('; ')} (and ${more} more)` : listed.join('; ');
}

function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
