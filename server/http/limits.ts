import type { IncomingMessage } from "node:http";
import type { Request } from "express";
import { parseJsonObject } from "./body";
import type { RateLimits } from "./rate-limit";

const isLoopback = (a: string) => a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");

/**
 * The caller's address, as Express's `trust proxy: "loopback"` computes it, for any node
 * request: X-Forwarded-For is believed only as far as the hops are loopback proxies.
 */
export function clientIp(req: IncomingMessage): string {
  const remote = req.socket.remoteAddress ?? "unknown";
  const forwarded = req.headers["x-forwarded-for"];
  if (!forwarded || !isLoopback(remote)) return remote;
  const hops = [remote, ...String(forwarded).split(",").map((s) => s.trim()).filter(Boolean).reverse()];
  return hops.find((a) => !isLoopback(a)) ?? hops[hops.length - 1];
}

/** Create and purchase: limited per IP, then per client_id, before any database work. */
export async function limitCreate(limits: RateLimits, req: Request): Promise<Record<string, unknown>> {
  await limits.take("createPerIp", clientIp(req));
  const body = parseJsonObject(req);
  if (typeof body.client_id === "string" && body.client_id) await limits.take("createPerClient", body.client_id.slice(0, 200));
  return body;
}
