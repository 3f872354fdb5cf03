import { err, ok, type Result } from './result.ts';
import { rejection, type Rejection } from './rejection.ts';

// fatal: a message value that is not UTF-8 is rejected rather than decoded with U+FFFD holes.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A message value as JSON: text and bytes (a Buffer is a Uint8Array) are parsed; anything else is
 * taken as already-parsed JSON. A string is always JSON text, never a parsed JSON string.
 */
export function decodeJson(raw: unknown): Result<unknown, Rejection> {
  if (typeof raw === 'string') return parseJsonText(raw);
  if (raw instanceof Uint8Array) {
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      return err(rejection('invalid_json', 'message value is not valid UTF-8'));
    }
    return parseJsonText(text);
  }
  return ok(raw);
}

function parseJsonText(text: string): Result<unknown, Rejection> {
  try {
    return ok(JSON.parse(text));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return err(rejection('invalid_json', `message value is not valid JSON: ${detail}`));
  }
}
