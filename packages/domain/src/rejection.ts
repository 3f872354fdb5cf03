export type RejectionReason =
  | 'invalid_json'
  | 'invalid_envelope'
  | 'invalid_payload'
  | 'topic_mismatch'
  | 'currency_mismatch'
  | 'limit_exceeded'
  | 'amount_overflow'
  /** The message key is not the event's session id: it may sit on another partition (SPEC §3). */
  | 'key_mismatch';

/** Why an event goes to the dead-letter topic. `message` is for humans and names the field. */
export interface Rejection {
  reason: RejectionReason;
  message: string;
}

export function rejection(reason: RejectionReason, message: string): Rejection {
  return { reason, message };
}
