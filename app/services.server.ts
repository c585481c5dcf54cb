// The server services the buyer's pages call, reached through the load context
// (`context.services`, server/remix). From server/ this module imports only types, so
// neither the browser bundle nor the Remix server build holds server code.
import type { AppLoadContext } from "@remix-run/node";
import type { CallbackLookup, CallbackQuery } from "../server/remix/services";

export type { CallbackLookup, CallbackQuery };

/**
 * The payment behind an order id, as GET …/verify gives it, for the callback page; or that
 * there is none, and whether the order id is plausible enough to show back on the page.
 */
export function verifyPayment(context: AppLoadContext, orderId: string, query?: CallbackQuery): Promise<CallbackLookup> {
  return context.services.callback.lookup(orderId, query);
}
