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

/**
 * Create and purchase, before any database work: limited per IP only. The client_id in the body
 * is not authenticated yet, so nothing is charged to it here: a stranger naming a victim's
 * client_id must not use up the victim's budget. The per-client limit is `limitCreateForClient`,
 * after authentication.
 */
export async function limitCreate(limits: RateLimits, req: Request): Promise<Record<string, unknown>> {
  await limits.take("createPerIp", clientIp(req));
  return parseJsonObject(req);
}

/** The per-client create limit, for an authenticated credential's client_id. */
export async function limitCreateForClient(limits: RateLimits, clientId: string): Promise<void> {
  await limits.take("createPerClient", clientId);
}
