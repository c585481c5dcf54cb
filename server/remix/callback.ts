import type { PlatformContext } from "../platform/context";
import { isDomainError } from "../lib/errors";
import { orderIdSchema, type VerifyResult } from "../payments/payments.schema";
import { findPublicPayment, toVerifyResult } from "../payments/payments.service";
import { midtransOrderIdOf } from "../payments/order-id";

/** The same shape the API accepts for order_id (docs/api.md): anything else can never be a payment. */
export const isPlausibleOrderId = (value: string): boolean => orderIdSchema.safeParse(value).success;

/**
 * What the buyer's callback page (/purchase/callback) learns about an order id: the public
 * payment (as GET …/verify gives it) and the id the page polls verify with, or that there is
 * none. `plausible` says whether the order id may be shown back on the page (free text from the
 * URL never is).
 */
export type CallbackLookup = { found: true; payment: VerifyResult; pollOrderId: string } | { found: false; plausible: boolean };

/**
 * Snap sends the buyer here with the Midtrans order id, which Astapa derived for this payment
 * alone: never ambiguous. A merchant's own order_id (an older link) works while one payment uses
 * it; when several merchants or environments do, the page knows no single payment (not found).
 */
export async function lookupCallbackPayment(platform: PlatformContext, orderId: string): Promise<CallbackLookup> {
  // Like GET …/verify: a value that can never be an order id is not a payment either.
  if (!isPlausibleOrderId(orderId)) return { found: false, plausible: false };
  try {
    const row = await findPublicPayment(platform, orderId);
    // The page polls by the Midtrans order id: it names this payment whoever else uses order_id.
    return { found: true, payment: toVerifyResult(row), pollOrderId: midtransOrderIdOf(row) };
  } catch (e) {
    if (isDomainError(e) && (e.code === "not_found" || e.code === "ambiguous_order_id")) return { found: false, plausible: true };
    throw e;
  }
}
