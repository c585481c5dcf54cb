import { RateLimiterMemory, type RateLimiterRes } from "rate-limiter-flexible";
import type { PlatformContext } from "../platform/context";

/** Failed sign-ins allowed per (e-mail, IP) and per IP in WINDOW_SECONDS. */
export const LOGIN_LIMITS = { perEmailAndIp: 5, perIp: 50, windowSeconds: 15 * 60 } as const;

export interface LoginLimiters {
  emailIp: RateLimiterMemory;
  ip: RateLimiterMemory;
}

/** One set per platform (tests run several platforms in one process). */
const registry = new WeakMap<PlatformContext, LoginLimiters>();

export function loginLimiters(ctx: PlatformContext): LoginLimiters {
  let l = registry.get(ctx);
  if (!l) {
    l = {
      emailIp: new RateLimiterMemory({ keyPrefix: "login_email_ip", points: LOGIN_LIMITS.perEmailAndIp, duration: LOGIN_LIMITS.windowSeconds }),
      ip: new RateLimiterMemory({ keyPrefix: "login_ip", points: LOGIN_LIMITS.perIp, duration: LOGIN_LIMITS.windowSeconds }),
    };
    registry.set(ctx, l);
  }
  return l;
}

const emailIpKey = (email: string, ip: string) => `${email}|${ip}`;

/** Milliseconds until sign-in may be tried again, or 0 when not blocked. */
export async function loginBlockedFor(ctx: PlatformContext, email: string, ip: string): Promise<number> {
  const l = loginLimiters(ctx);
  const [a, b] = await Promise.all([l.emailIp.get(emailIpKey(email, ip)), l.ip.get(ip)]);
  const blocked = (r: RateLimiterRes | null, points: number) => (r && r.consumedPoints >= points ? r.msBeforeNext : 0);
  return Math.max(blocked(a, LOGIN_LIMITS.perEmailAndIp), blocked(b, LOGIN_LIMITS.perIp));
}

export async function recordLoginFailure(ctx: PlatformContext, email: string, ip: string): Promise<void> {
  const l = loginLimiters(ctx);
  // consume() rejects once over the limit; the count is what matters here.
  await Promise.allSettled([l.emailIp.consume(emailIpKey(email, ip)), l.ip.consume(ip)]);
}

export async function recordLoginSuccess(ctx: PlatformContext, email: string, ip: string): Promise<void> {
  await loginLimiters(ctx).emailIp.delete(emailIpKey(email, ip));
}
