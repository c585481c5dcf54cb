import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { idempotencyKeySchema } from "../payments/payments.schema";
import { merchantRefundInput, refundForMerchant } from "../payments/refunds.service";
import { parseInput } from "../lib/validation";
import { authenticateClient } from "../projects/projects.service";
import { methodNotAllowed, rawBody } from "../http/body";
import { sendError } from "../http/errors";
import { limitCreate, limitCreateForClient } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";

export const REFUND_PATH = "/api/platform/shop-payment/refund";

/** The Idempotency-Key header: required on a refund (docs/api.md#post-apiplatformshop-paymentrefund). */
function requiredIdempotencyKey(req: Request): string {
  const header = req.get("idempotency-key");
  if (header === undefined) {
    throw new DomainError("validation_failed", "An Idempotency-Key header is required on a refund", { "Idempotency-Key": "required" });
  }
  const key = idempotencyKeySchema.safeParse(header);
  if (!key.success) throw new DomainError("validation_failed", "Idempotency-Key must be 1-200 printable characters", { "Idempotency-Key": "invalid" });
  return key.data;
}

/** The merchant refund API: a thin adapter over payments/refunds.service (limited like create). */
export function refundsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();
  r.post(REFUND_PATH, rawBody, async (req: Request, res: Response) => {
    try {
      const body = await limitCreate(limits, req);
      const input = parseInput(merchantRefundInput, body);
      const idempotencyKey = requiredIdempotencyKey(req);
      const credential = await authenticateClient(ctx, input.client_id, input.client_secret);
      await limitCreateForClient(limits, credential.client_id);
      const { replayed, result } = await refundForMerchant(ctx, credential, input, idempotencyKey);
      // The same answer on a replay (docs/api.md): only this header tells them apart.
      if (replayed) res.setHeader("Idempotent-Replayed", "true");
      res.status(200).json(result);
    } catch (err) {
      sendError(res, err);
    }
  });
  r.all(REFUND_PATH, methodNotAllowed(["POST"]));
  return r;
}
