import { EngineError } from '@checkout/engine';

/**
 * checkout-projector's exit codes: 0 clean shutdown, 1 fatal alarm (see the log), 2 bad
 * configuration, at start or found on the first connection (an untrusted certificate, a refused
 * login, a missing ACL permission, compacted event topics): nothing a restart would fix.
 */
export function exitCodeOf(error: unknown): 1 | 2 {
  return isConfigurationError(error) ? 2 : 1;
}

export function isConfigurationError(error: unknown): boolean {
  return error instanceof EngineError && error.code === 'CONFIGURATION';
}
