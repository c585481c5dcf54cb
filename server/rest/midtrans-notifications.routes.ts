import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { handleMidtransNotification } from "../payments/notifications.service";
import { bodyText, methodNotAllowed, rawBody } from "../http/body";
import { sendError } from "../http/errors";
import { clientIp } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";
import { isDomainError } from "../lib/errors";

/** Midtrans -> Astapa. Any non-2xx makes Midtrans retry; 2xx ends delivery. */
export function midtransNotificationsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();
  r.post("/api/midtrans/notification", rawBody, async (req: Request, res: Response) => {
    const ip = clientIp(req);
    try {
      // Only failures count: a forger is slowed down, Midtrans never is.
      await limits.check("badSignaturePerIp", ip);
      const answer = await handleMidtransNotification(ctx, {
        rawBody: bodyText(req),
        headers: req.headers,
        remoteAddr: req.socket.remoteAddress ?? null,
      });
      // Forged notifications for unknown orders are answered 200 (Midtrans stops) but counted.
      if (!answer.signatureValid) await limits.take("badSignaturePerIp", ip).catch(() => {});
      res.status(200).json({ received: true, outcome: answer.outcome, detail: answer.detail });
    } catch (err) {
      if (isDomainError(err) && err.code === "invalid_signature") await limits.take("badSignaturePerIp", ip).catch(() => {});
      sendError(res, err);
    }
  });
  r.all("/api/midtrans/notification", methodNotAllowed(["POST"]));
  return r;
}
