import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { DomainError } from "../lib/errors";
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

function tooManyAttempts(msBeforeNext: number): DomainError {
  const minutes = Math.max(1, Math.ceil(msBeforeNext / 60_000));
  return new DomainError("rate_limited", `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`, undefined, {
    retry_after_seconds: Math.max(1, Math.ceil(msBeforeNext / 1000)),
  });
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (res) {
    if (res instanceof RateLimiterRes) throw tooManyAttempts(res.msBeforeNext);
    throw res;
  }
}

/**
 * Charges a sign-in attempt as a failure to its (e-mail, IP) and its IP BEFORE the password is
 * checked: consume is atomic, so however many attempts arrive at once, at most the limit of
 * them ever reach a password hash. Throws DomainError("rate_limited") over either limit.
 * Call `succeeded` after a successful sign-in: it gives the charge back and clears the
 * (e-mail, IP) count.
 */
export async function chargeLoginAttempt(ctx: PlatformContext, email: string, ip: string): Promise<{ succeeded(): Promise<void> }> {
  const l = loginLimiters(ctx);
  const key = emailIpKey(email, ip);
  await consume(l.emailIp, key);
  try {
    await consume(l.ip, ip);
  } catch (err) {
    // Refused before any password check: not a failure of this e-mail.
    await l.emailIp.reward(key, 1);
    throw err;
  }
  return {
    async succeeded() {
      await Promise.all([l.emailIp.delete(key), l.ip.reward(ip, 1)]);
    },
  };
}
