import { z } from "zod";

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
});
export type MidtransTransaction = z.infer<typeof midtransTransactionSchema>;

/** The fields a notification must carry before we can even look at it. */
export const midtransNotificationSchema = z.looseObject({
  order_id: scalar,
  status_code: scalar,
  gross_amount: scalar,
  signature_key: z.string(),
  transaction_status: z.string(),
});

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
