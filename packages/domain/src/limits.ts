/** Identifiers and free-text fields (SPEC §3), and session ids. */
export const MAX_TEXT_LENGTH = 200;
export const MAX_SHIPPING_METHOD_LENGTH = 100;
export const MAX_PROMOTION_CODE_LENGTH = 64;
export const MAX_QUANTITY = 1_000_000;

/** Bounds on one snapshot's size (SPEC §6 "bounded resources"). */
export const MAX_CART_LINES = 1000;
export const MAX_PROMOTIONS = 100;
export const MAX_SERVICES = 200;
export const RECENT_EVENT_IDS_LIMIT = 100;

/**
 * Subtotal, shipping cost and the selected services' total are each capped at a third of the
 * safe-integer range, so their sum (the grand total before discount) can never leave it. Each cap
 * looks only at the event's own section: a check that read another section would make
 * acceptance depend on how topics interleave, and the fold would stop being deterministic.
 */
export const MAX_SECTION_TOTAL_CENTS = Math.floor(Number.MAX_SAFE_INTEGER / 3);

/** The sum of applied discounts; the discount in the totals is further capped by the subtotal. */
export const MAX_DISCOUNT_TOTAL_CENTS = Number.MAX_SAFE_INTEGER;

/** Σ line quantities (`item_count`) must stay an exact integer too. */
export const MAX_ITEM_COUNT = Number.MAX_SAFE_INTEGER;
