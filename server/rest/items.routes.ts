import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { DomainError } from "../lib/errors";
import { createItemPurchase } from "../payments/payments.service";
import { createItemPurchaseInput, idempotencyKeySchema } from "../payments/payments.schema";
import { parseInput } from "../lib/validation";
import { listPublicItems } from "../items/items.service";
import { authenticateClient } from "../projects/projects.service";
import { methodNotAllowed, rawBody } from "../http/body";
import { basicCredentials, challengeOnInvalidClient } from "../http/basic-auth";
import { sendError } from "../http/errors";
import { clientIp, limitCreate, limitCreateForClient } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";

/** The Idempotency-Key header (docs/api.md), or undefined when the request has none. */
function idempotencyKeyOf(req: Request): string | undefined {
  const header = req.get("idempotency-key");
  if (header === undefined) return undefined;
  const key = idempotencyKeySchema.safeParse(header);
  if (!key.success) throw new DomainError("validation_failed", "Idempotency-Key must be 1-200 printable characters", { "Idempotency-Key": "invalid" });
  return key.data;
}

/** Catalog purchases: the project's items, bought with an order_id Astapa generates. */
export function itemsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();

  r.post("/api/platform/purchase", rawBody, async (req: Request, res: Response) => {
    try {
      const body = await limitCreate(limits, req);
      const input = parseInput(createItemPurchaseInput, body);
      const idempotencyKey = idempotencyKeyOf(req);
      const credential = await authenticateClient(ctx, input.client_id, input.client_secret);
      await limitCreateForClient(limits, credential.client_id);
      const { created, result } = await createItemPurchase(ctx, credential, input, idempotencyKey);
      res.status(created ? 201 : 200).json(result);
    } catch (err) {
      sendError(res, err);
    }
  });
  r.all("/api/platform/purchase", methodNotAllowed(["POST"]));

  r.get("/api/platform/items", async (req: Request, res: Response) => {
    try {
      await limits.take("itemsPerIp", clientIp(req));
      const { id, secret } = basicCredentials(req);
      const credential = await authenticateClient(ctx, id, secret);
      res.json({ items: await listPublicItems(ctx.sql, credential.project_id) });
    } catch (err) {
      challengeOnInvalidClient(res, err);
      sendError(res, err);
    }
  });
  r.all("/api/platform/items", methodNotAllowed(["GET"]));
  return r;
}
