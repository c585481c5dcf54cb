import type { PlatformContext } from "../platform/context";
import { isDomainError } from "../lib/errors";
import { orderIdSchema, type VerifyResult } from "../payments/payments.schema";
import { verifyPayment } from "../payments/payments.service";

/** The same shape the API accepts for order_id (docs/api.md): anything else can never be a payment. */
export const isPlausibleOrderId = (value: string): boolean => orderIdSchema.safeParse(value).success;

/**
 * What the buyer's callback page (/purchase/callback) learns about an order id: the public
 * payment (as GET …/verify gives it), or that there is none. `plausible` says whether the
 * order id may be shown back on the page (free text from the URL never is).
 */
export type CallbackLookup = { found: true; payment: VerifyResult } | { found: false; plausible: boolean };

export async function lookupCallbackPayment(platform: PlatformContext, orderId: string): Promise<CallbackLookup> {
  // Like GET …/verify: a value that can never be an order id is not a payment either.
  if (!isPlausibleOrderId(orderId)) return { found: false, plausible: false };
  try {
    return { found: true, payment: await verifyPayment(platform, orderId) };
  } catch (e) {
    if (isDomainError(e) && e.code === "not_found") return { found: false, plausible: true };
    throw e;
  }
}
