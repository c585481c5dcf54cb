/** Midtrans's order_id rule: at most 50 of letters, digits, - _ ~ . (no dependencies: the browser bundle uses it too). */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9\-_~.]{1,50}$/;

/** Retry ids end in `~r` + 8 base-36 characters. */
const RETRY_SUFFIX = /~r[0-9a-z]{8}$/;
export const isMidtransRetryOrderId = (id: string) => RETRY_SUFFIX.test(id);

/**
 * A fresh Midtrans order id for a purchase whose earlier Snap call may have used its order id:
 * the merchant's id (shortened to keep within 50 characters) + `~r` + 8 random base-36 characters.
 */
export function newMidtransRetryOrderId(orderId: string): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  const suffix = Array.from(bytes, (b) => (b % 36).toString(36)).join("");
  return `${orderId.slice(0, 40)}~r${suffix}`;
}

/** The order id Midtrans knows this purchase by. */
export const midtransOrderIdOf = (p: { order_id: string; midtrans_order_id: string | null }) => p.midtrans_order_id ?? p.order_id;
