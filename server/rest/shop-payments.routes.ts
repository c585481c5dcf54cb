import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { createShopPayment } from "../payments/payments.service";
import { createShopPaymentInput } from "../payments/payments.schema";
import { parseInput } from "../lib/validation";
import { authenticateClient } from "../projects/projects.service";
import { methodNotAllowed, rawBody } from "../http/body";
import { sendError } from "../http/errors";
import { limitCreate, limitCreateForClient } from "../http/limits";
import { createVerifyHandler, setVerifyCors, VERIFY_PATH } from "./verify.handler";
import type { RateLimits } from "../http/rate-limit";

/** The public Shop Payments REST API (docs/api.md): thin adapters over payments.service. */
export function shopPaymentsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();

  r.post("/api/platform/shop-payment", rawBody, async (req: Request, res: Response) => {
    try {
      const body = await limitCreate(limits, req);
      const input = parseInput(createShopPaymentInput, body);
      const credential = await authenticateClient(ctx, input.client_id, input.client_secret);
      await limitCreateForClient(limits, credential.client_id);
      const { created, result } = await createShopPayment(ctx, credential, input);
      res.status(created ? 201 : 200).json(result);
    } catch (err) {
      sendError(res, err);
    }
  });
  r.all("/api/platform/shop-payment", methodNotAllowed(["POST"]));

  // GET is normally answered ahead of Express (server/runtime/http-app.ts); the same handler here too.
  r.options(VERIFY_PATH, (_req, res) => {
    setVerifyCors(res);
    res.setHeader("Access-Control-Allow-Headers", "Content-Type");
    res.status(204).end();
  });
  r.get(VERIFY_PATH, createVerifyHandler(ctx, limits));
  r.all(VERIFY_PATH, (req, res) => {
    setVerifyCors(res);
    methodNotAllowed(["GET", "OPTIONS"])(req, res);
  });
  return r;
}
