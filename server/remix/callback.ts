import type { PlatformContext } from "../platform/context";
import { isDomainError } from "../lib/errors";
import { orderIdSchema, type VerifyResult } from "../payments/payments.schema";
import { findPublicPayment, toVerifyResult } from "../payments/payments.service";
import { midtransOrderIdOf } from "../payments/order-id";
import { checkPendingPayment, type PaymentInstructions, type PendingStatusReader } from "../payments/instructions";

export type { PaymentInstructionKind, PaymentInstructions } from "../payments/instructions";

/** The same shape the API accepts for order_id (docs/api.md): anything else can never be a payment. */
export const isPlausibleOrderId = (value: string): boolean => orderIdSchema.safeParse(value).success;

/** The payment the callback page shows: what GET …/verify gives, and what the page adds for the buyer. */
export interface CallbackPayment {
  found: true;
  payment: VerifyResult;
  /** The id the page polls verify with (the Midtrans order id: it names this payment alone). */
  pollOrderId: string;
  /** Astapa's purchase id (`pur_…`), printed on the receipt. */
  purchaseId: string;
  /** Midtrans's payment_type (credit_card, bank_transfer, echannel, cstore, gopay, qris, …); null until known. */
  paymentType: string | null;
  /** How to finish paying, from Midtrans's Get Status: only while pending; null when not pending or unknown. */
  instructions: PaymentInstructions | null;
}

/**
 * What the buyer's callback page (/purchase/callback) learns about an order id, or that there is
 * no payment. `plausible` says whether the order id may be shown back on the page (free text
 * from the URL never is).
 */
export type CallbackLookup = CallbackPayment | { found: false; plausible: boolean };

/** What the page passes on from Snap's finish redirect (buyer-controlled: a hint, never a fact). */
export interface CallbackQuery {
  /** `transaction_status` of the finish redirect. */
  transactionStatus?: string | null;
}

/**
 * Snap sends the buyer here with the Midtrans order id, which Astapa derived for this payment
 * alone: never ambiguous. A merchant's own order_id (an older link) works while one payment uses
 * it; when several merchants or environments do, the page knows no single payment (not found).
 *
 * With a `statusReader`, a payment still pending in our database is checked with Midtrans's Get
 * Status before the page renders (cached per payment, bounded in time: `checkPendingPayment`):
 * a status Midtrans already moved (a card just paid, before its notification) is applied and
 * shown, and a pending one gets its instructions (VA number, bill key, payment code, deadline).
 * `query.transactionStatus` only makes that check skip a kept answer (`checkPendingPayment`).
 */
export async function lookupCallbackPayment(
  platform: PlatformContext,
  orderId: string,
  opts: { statusReader?: PendingStatusReader; query?: CallbackQuery } = {},
): Promise<CallbackLookup> {
  // Like GET …/verify: a value that can never be an order id is not a payment either.
  if (!isPlausibleOrderId(orderId)) return { found: false, plausible: false };
  try {
    let row = await findPublicPayment(platform, orderId);
    let instructions: PaymentInstructions | null = null;
    let midtransPaymentType: string | null = null;
    if (opts.statusReader && row.status === "pending") {
      const check = await checkPendingPayment(platform, opts.statusReader, row, opts.query?.transactionStatus ?? null);
      // Moved by Midtrans's answer: show the payment as it is now (same resolution as before).
      if (check.changed) row = await findPublicPayment(platform, orderId);
      instructions = row.status === "pending" ? check.instructions : null;
      midtransPaymentType = check.paymentType;
    }
    return {
      found: true,
      payment: toVerifyResult(row),
      // The page polls by the Midtrans order id: it names this payment whoever else uses order_id.
      pollOrderId: midtransOrderIdOf(row),
      purchaseId: row.id,
      paymentType: row.payment_type ?? midtransPaymentType,
      instructions,
    };
  } catch (e) {
    if (isDomainError(e) && (e.code === "not_found" || e.code === "ambiguous_order_id")) return { found: false, plausible: true };
    throw e;
  }
}
