import type { Request } from "express";
import { parseJsonObject } from "./body";
import type { RateLimits } from "./rate-limit";

/** The caller's address (X-Forwarded-For is honoured only from a loopback proxy: `trust proxy`). */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? "unknown";

/** Create and purchase: limited per IP, then per client_id, before any database work. */
export async function limitCreate(limits: RateLimits, req: Request): Promise<Record<string, unknown>> {
  await limits.take("createPerIp", clientIp(req));
  const body = parseJsonObject(req);
  if (typeof body.client_id === "string" && body.client_id) await limits.take("createPerClient", body.client_id.slice(0, 200));
  return body;
}
