/** Midtrans's order_id rule: at most 50 of letters, digits, - _ ~ . (no dependencies: the browser bundle uses it too). */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9\-_~.]{1,50}$/;
