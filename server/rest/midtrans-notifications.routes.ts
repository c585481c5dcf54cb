import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { handleMidtransNotification } from "../payments/notifications.service";
import { bodyBytes, methodNotAllowed, rawBody } from "../http/body";
import { sendError, toDomainError } from "../http/errors";
import { clientIp } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";

/** Midtrans -> Astapa. Any non-2xx makes Midtrans retry; 2xx ends delivery. */
export function midtransNotificationsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();
  r.post("/api/midtrans/notification", rawBody, async (req: Request, res: Response) => {
    const ip = clientIp(req);
    try {
      const answer = await handleMidtransNotification(
        ctx,
        { body: bodyBytes(req), headers: req.headers, remoteAddr: ip },
        // Only rejected notifications count, each charged before it is stored: a forger is held
        // back, Midtrans (a valid signature) never is, whatever its address has sent.
        { chargeRejection: () => limits.take("rejectedNotificationPerIp", ip) },
      );
      ctx.metrics.notifications.inc({ outcome: answer.outcome });
      res.status(200).json({ received: true, outcome: answer.outcome, detail: answer.detail });
    } catch (err) {
      ctx.metrics.notifications.inc({ outcome: toDomainError(err).code });
      sendError(res, err);
    }
  });
  r.all("/api/midtrans/notification", methodNotAllowed(["POST"]));
  return r;
}
