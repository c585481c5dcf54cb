import type { IncomingMessage, ServerResponse } from "node:http";
import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { verifyPayment } from "../payments/payments.service";
import { orderIdSchema } from "../payments/payments.schema";
import { sendError, writeJson } from "../http/errors";
import { clientIp } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";

export const VERIFY_PATH = "/api/platform/shop-payment/verify";

/** Public, polled by storefronts from the browser: CORS open, never cached, no personal data. */
export function setVerifyCors(res: ServerResponse): void {
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
  res.setHeader("Access-Control-Max-Age", "86400");
}

/**
 * GET /api/platform/shop-payment/verify on a plain node request: polled every 3 s by every
 * waiting buyer, so it is served ahead of Express (server/runtime/http-app.ts) with the same
 * logging, limits and errors as every other route.
 */
export function createVerifyHandler(ctx: PlatformContext, limits: RateLimits) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setVerifyCors(res);
    res.setHeader("Cache-Control", "no-store");
    try {
      await limits.take("verifyPerIp", clientIp(req));
      const values = new URL(req.url ?? "/", "http://local").searchParams.getAll("order_id");
      if (values.length === 0 || values[0] === "") throw new DomainError("validation_failed", "order_id is required", { order_id: "required" });
      if (values.length > 1) throw new DomainError("validation_failed", "order_id must be given once", { order_id: "must be a single value" });
      const parsed = orderIdSchema.safeParse(values[0]);
      // A value that can never be an order id cannot be a known payment either.
      if (!parsed.success) throw new DomainError("not_found", "No payment with this order_id");
      writeJson(res, 200, await verifyPayment(ctx, parsed.data));
    } catch (err) {
      sendError(res, err);
    }
  };
}
