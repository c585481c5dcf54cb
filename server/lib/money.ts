/** The largest amount one payment may carry, in whole rupiah (docs/api.md). */
export const MAX_AMOUNT_IDR = 999_999_999;
