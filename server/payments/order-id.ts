/**
 * Order ids: the merchant's own (`order_id`, unique per project and environment) and the one
 * Midtrans knows the purchase by (`midtrans_order_id`, unique platform-wide). Why and how:
 * docs/decisions/0004-midtrans-order-ids.md. No dependencies (Web Crypto only).
 */

/** Midtrans's order_id rule: at most 50 of letters, digits, - _ ~ . (docs/midtrans.md). */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9\-_~.]{1,50}$/;

/** The merchant's id is kept up to this length, then `~` and the random suffix: 40 + 1 + 9 = 50. */
export const MIDTRANS_ORDER_ID_PREFIX_MAX = 40;
export const MIDTRANS_ORDER_ID_SUFFIX_LENGTH = 9;
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** `n` characters of [0-9a-z], uniform (bytes of 252 and above are drawn again: 252 = 7 × 36). */
function randomBase36(n: number): string {
  let out = "";
  while (out.length < n) {
    for (const b of globalThis.crypto.getRandomValues(new Uint8Array(n * 2))) {
      if (b < 252 && out.length < n) out += ALPHABET[b % 36];
    }
  }
  return out;
}

/**
 * A new Midtrans order id for a purchase: the merchant's order id (its first 40 characters) +
 * `~` + 9 random base-36 characters, e.g. `order-1001~k3v9x0qa7`. Every purchase gets one when it
 * is created, and a fresh one when a create whose outcome is unknown is retried (the earlier id
 * may be burnt at Midtrans). Within Midtrans's rule by construction (≤ 50 of `A-Za-z0-9-_~.`);
 * unique platform-wide by the purchases_midtrans_order_id_idx unique index (36^9 ≈ 10^14 values).
 */
export function newMidtransOrderId(orderId: string): string {
  return `${orderId.slice(0, MIDTRANS_ORDER_ID_PREFIX_MAX)}~${randomBase36(MIDTRANS_ORDER_ID_SUFFIX_LENGTH)}`;
}

/**
 * The order id Midtrans knows this purchase by. Rows created before migration 0007 may have no
 * midtrans_order_id: Midtrans knows them by their order_id (then unique platform-wide).
 */
export const midtransOrderIdOf = (p: { order_id: string; midtrans_order_id: string | null }) => p.midtrans_order_id ?? p.order_id;
