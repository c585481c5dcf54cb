import type { IncomingMessage, ServerResponse } from "node:http";
import { Router, type Request, type Response } from "express";
import type { PlatformContext } from "../platform/context";
import { handleMidtransNotification, type IncomingNotification } from "../payments/notifications.service";
import { bodyBytes, MAX_BODY_BYTES, methodNotAllowed, rawBody } from "../http/body";
import { sendError, toDomainError, writeJson } from "../http/errors";
import { clientIp } from "../http/limits";
import type { RateLimits } from "../http/rate-limit";
import { DomainError } from "../lib/errors";

export const MIDTRANS_NOTIFICATION_PATH = "/api/midtrans/notification";

/** One notification, from its bytes to the answer: the same for both ways in (below). */
async function answerNotification(ctx: PlatformContext, limits: RateLimits, n: IncomingNotification, res: ServerResponse): Promise<void> {
  const ip = n.remoteAddr ?? "unknown";
  try {
    const answer = await handleMidtransNotification(
      ctx,
      n,
      // Only rejected notifications count, each charged before it is stored: a forger is held
      // back, Midtrans (a valid signature) never is, whatever its address has sent.
      { chargeRejection: () => limits.take("rejectedNotificationPerIp", ip) },
    );
    ctx.metrics.notifications.inc({ outcome: answer.outcome });
    writeJson(res, 200, { received: true, outcome: answer.outcome, detail: answer.detail });
  } catch (err) {
    ctx.metrics.notifications.inc({ outcome: toDomainError(err).code });
    sendError(res, err);
  }
}

/** Midtrans -> Astapa. Any non-2xx makes Midtrans retry; 2xx ends delivery. */
export function midtransNotificationsRouter(ctx: PlatformContext, limits: RateLimits): Router {
  const r = Router();
  r.post(MIDTRANS_NOTIFICATION_PATH, rawBody, (req: Request, res: Response) =>
    answerNotification(ctx, limits, { body: bodyBytes(req), headers: req.headers, remoteAddr: clientIp(req) }, res),
  );
  r.all(MIDTRANS_NOTIFICATION_PATH, methodNotAllowed(["POST"]));
  return r;
}

/** Whether the plain handler below takes this request: a POST to the path, its body not compressed (Express inflates those). */
export function isPlainMidtransNotification(req: IncomingMessage): boolean {
  const url = req.url ?? "";
  const encoding = req.headers["content-encoding"];
  return (
    req.method === "POST" &&
    url.startsWith(MIDTRANS_NOTIFICATION_PATH) &&
    (url.length === MIDTRANS_NOTIFICATION_PATH.length || url[MIDTRANS_NOTIFICATION_PATH.length] === "?") &&
    (encoding === undefined || encoding === "identity")
  );
}

/**
 * POST /api/midtrans/notification on a plain node request, ahead of Express as verify is
 * (server/runtime/http-app.ts): every paid payment brings at least one, and Express's routing
 * and body parser were a measured part of its CPU (bench/RESULTS.md, session 5). The same
 * answers as the Express route: the body read whole up to 16 KB (413 `payload_too_large` past
 * it, announced or not), then `handleMidtransNotification`.
 */
export function createMidtransNotificationHandler(ctx: PlatformContext, limits: RateLimits) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const tooLarge = () => {
      // Answer at once and close the connection after it; what is left of the body is read and dropped.
      res.setHeader("Connection", "close");
      sendError(res, new DomainError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes`));
      req.resume();
    };
    const announced = Number(req.headers["content-length"]);
    if (announced > MAX_BODY_BYTES) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", () => {
      if (refused || res.headersSent) return;
      refused = true;
      sendError(res, new DomainError("invalid_json", "The body could not be read"));
    });
    req.on("end", () => {
      if (refused) return;
      void answerNotification(ctx, limits, { body: Buffer.concat(chunks, size), headers: req.headers, remoteAddr: clientIp(req) }, res);
    });
  };
}
