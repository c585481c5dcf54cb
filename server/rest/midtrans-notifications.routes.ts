import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { handleMidtransNotification } from "../midtrans/notifications.service";
import { bodyText, methodNotAllowed, rawBody } from "../http/body";
import { sendError } from "../http/errors";

/** Midtrans -> Astapa. Any non-2xx makes Midtrans retry; 2xx ends delivery. */
export function midtransNotificationsRouter(ctx: PlatformContext): Router {
  const r = Router();
  r.post("/api/midtrans/notification", rawBody, async (req: Request, res: Response) => {
    try {
      const answer = await handleMidtransNotification(ctx, {
        rawBody: bodyText(req),
        headers: req.headers,
        remoteAddr: req.socket.remoteAddress ?? null,
      });
      res.status(200).json({ received: true, ...answer });
    } catch (err) {
      sendError(res, err);
    }
  });
  r.all("/api/midtrans/notification", methodNotAllowed(["POST"]));
  return r;
}
