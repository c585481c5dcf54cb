import { z } from "zod";
import { storable } from "../lib/validation";

const scalar = z.union([z.string(), z.number()]);

/**
 * A Midtrans transaction as notifications and Get Status describe it. Lenient:
 * values may be strings or numbers, and new fields appear over time.
 */
export const midtransTransactionSchema = z.looseObject({
  order_id: scalar.transform(String),
  transaction_status: z.string(),
  status_code: scalar.transform(String).optional(),
  gross_amount: scalar.optional(),
  fraud_status: z.string().nullish(),
  payment_type: z.string().nullish(),
  transaction_id: z.string().nullish(),
  transaction_time: z.string().nullish(),
  settlement_time: z.string().nullish(),
  refund_amount: scalar.nullish(),
  refunds: z.array(z.looseObject({ refund_amount: scalar.optional() })).nullish(),
  // How a pending payment is completed (docs/midtrans.md#pending-instructions). Read for the
  // buyer's page only: a malformed value is dropped (`catch`), never a reason to refuse the body.
  expiry_time: z.string().nullish().catch(null),
  va_numbers: z.array(z.looseObject({ bank: z.string(), va_number: scalar.transform(String) })).nullish().catch(null),
  permata_va_number: scalar.transform(String).nullish().catch(null),
  biller_code: scalar.transform(String).nullish().catch(null),
  bill_key: scalar.transform(String).nullish().catch(null),
  store: z.string().nullish().catch(null),
  payment_code: scalar.transform(String).nullish().catch(null),
});
export type MidtransTransaction = z.infer<typeof midtransTransactionSchema>;

/**
 * The fields a notification must carry before we can even look at it; nothing in it that
 * PostgreSQL cannot store (a NUL or lone surrogate anywhere, nesting past the limit: docs/api.md#limits-on-text-json-and-dates).
 */
export const midtransNotificationSchema = storable(
  z.looseObject({
    order_id: scalar,
    status_code: scalar,
    gross_amount: scalar,
    signature_key: z.string(),
    transaction_status: z.string(),
  }),
);

/** "10000.00" / 10000 / "10000" -> 10000; null when not a whole rupiah amount. */
export function parseIdrAmount(v: unknown): number | null {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : null;
  if (typeof v !== "string") return null;
  const m = /^(\d{1,15})(?:\.0{1,2})?$/.exec(v.trim());
  return m ? Number(m[1]) : null;
}

/** Total refunded so far: refund_amount when given, else the sum of refunds[]. */
export function refundedAmountOf(t: MidtransTransaction): number {
  if (Array.isArray(t.refunds) && t.refunds.length > 0) {
    return t.refunds.reduce((sum, r) => sum + (parseIdrAmount(r.refund_amount) ?? 0), 0);
  }
  return parseIdrAmount(t.refund_amount) ?? 0;
}
