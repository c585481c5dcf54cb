import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { createShopPayment, verifyPayment } from "../payments/payments.service";
import { orderIdSchema } from "../payments/payments.schema";
import { methodNotAllowed, parseJsonObject, rawBody } from "../http/body";
import { sendError } from "../http/errors";
import { clientIp, limitCreate } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";

/** The public Shop Payments REST API (the seed page): thin adapters over payments.service. */
export function shopPaymentsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();

  r.post("/api/platform/shop-payment", rawBody, async (req: Request, res: Response) => {
    try {
      const body = await limitCreate(limits, req);
      const { created, result } = await createShopPayment(ctx, body);
      res.status(created ? 201 : 200).json(result);
    } catch (err) {
      sendError(res, err);
    }
  });
  r.all("/api/platform/shop-payment", methodNotAllowed(["POST"]));

  // Public, polled by storefronts from the browser: CORS open, no personal data.
  const cors = (res: Response) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Methods", "GET, OPTIONS");
    res.setHeader("Access-Control-Max-Age", "86400");
  };
  r.options("/api/platform/shop-payment/verify", (_req, res) => {
    cors(res);
    res.setHeader("Access-Control-Allow-Headers", "Content-Type");
    res.status(204).end();
  });
  r.get("/api/platform/shop-payment/verify", async (req: Request, res: Response) => {
    cors(res);
    res.setHeader("Cache-Control", "no-store");
    try {
      await limits.take("verifyPerIp", clientIp(req));
      const raw = req.query.order_id;
      if (raw === undefined || raw === "") throw new DomainError("validation_failed", "order_id is required", { order_id: "required" });
      const parsed = orderIdSchema.safeParse(raw);
      // A value that can never be an order id cannot be a known payment either.
      if (!parsed.success) {
        if (typeof raw !== "string") throw new DomainError("validation_failed", "order_id must be given once", { order_id: "must be a single value" });
        throw new DomainError("not_found", "No payment with this order_id");
      }
      res.json(await verifyPayment(ctx, parsed.data));
    } catch (err) {
      sendError(res, err);
    }
  });
  r.all("/api/platform/shop-payment/verify", (req, res) => {
    cors(res);
    methodNotAllowed(["GET", "OPTIONS"])(req, res);
  });
  return r;
}
