import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { parseInput } from "../lib/validation";
import { authenticateClient } from "../projects/projects.service";
import { z } from "zod";
import { merchantEventTypes, sampleEventPayload } from "../payments/purchase-events";
import { EVENTS_PAGE_DEFAULT, EVENTS_PAGE_MAX, listEvents, resendEvent, sendTestEvent } from "../webhooks/events-api.service";
import { bodyBytes, methodNotAllowed, parseJsonObject, rawBody } from "../http/body";
import { basicCredentials, challengeOnInvalidClient } from "../http/basic-auth";
import { sendError } from "../http/errors";
import { clientIp } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";

const optionalText = (max: number) => z.string().trim().max(max).transform((v) => (v ? v : undefined)).optional();

/** `GET /api/platform/events` query string (docs/api.md, "Events API"). */
export const listEventsQuery = z.object({
  type: z.enum(merchantEventTypes).optional(),
  order_id: optionalText(50),
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(EVENTS_PAGE_MAX).default(EVENTS_PAGE_DEFAULT),
});

/** `POST /api/platform/events/:id/resend` path. */
export const eventIdParams = z.object({ id: z.string().min(1).max(100) });

/** `POST /api/platform/webhooks/test` body. */
export const testEventBody = z.object({ type: z.enum(merchantEventTypes).default("item.purchased") });

/**
 * The merchant's events API (docs/api.md, "Events API"): HTTP Basic `client_id:client_secret`,
 * the credential's own project and environment only. Limited per IP before authentication, on
 * the same budget as `GET /api/platform/items` (docs/api.md#rate-limits).
 */
export function eventsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();

  /** Rate limit, then the credential: every route here starts the same way. */
  const caller = async (req: Request) => {
    await limits.take("itemsPerIp", clientIp(req));
    const { id, secret } = basicCredentials(req);
    return authenticateClient(ctx, id, secret);
  };
  const fail = (res: Response, err: unknown) => {
    challengeOnInvalidClient(res, err);
    sendError(res, err);
  };

  r.get("/api/platform/events", async (req: Request, res: Response) => {
    try {
      const credential = await caller(req);
      const input = parseInput(listEventsQuery, req.query);
      res.setHeader("Cache-Control", "no-store");
      res.json(await listEvents(ctx, credential, input));
    } catch (err) {
      fail(res, err);
    }
  });
  r.all("/api/platform/events", methodNotAllowed(["GET"]));

  r.post("/api/platform/events/:id/resend", async (req: Request, res: Response) => {
    try {
      const credential = await caller(req);
      const { id } = parseInput(eventIdParams, req.params);
      res.json(await resendEvent(ctx, credential, id));
    } catch (err) {
      fail(res, err);
    }
  });
  r.all("/api/platform/events/:id/resend", methodNotAllowed(["POST"]));

  r.post("/api/platform/webhooks/test", rawBody, async (req: Request, res: Response) => {
    try {
      const credential = await caller(req);
      // The body is optional: none at all means the default type.
      const body = bodyBytes(req).length === 0 ? {} : parseJsonObject(req);
      const { type } = parseInput(testEventBody, body);
      // The event types and their samples belong to payments/: handed to the webhooks service from here.
      res.json(await sendTestEvent(ctx, credential, { type, sample: sampleEventPayload(type, "sandbox") }));
    } catch (err) {
      fail(res, err);
    }
  });
  r.all("/api/platform/webhooks/test", methodNotAllowed(["POST"]));
  return r;
}
