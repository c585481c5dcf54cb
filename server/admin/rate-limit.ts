import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { WindowLimiter, type CounterStore } from "../db/rate-limits";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";

/** Failed sign-ins allowed per (e-mail, IP) and per IP in WINDOW_SECONDS. */
export const LOGIN_LIMITS = { perEmailAndIp: 5, perIp: 50, windowSeconds: 15 * 60 } as const;
/** Wrong second-factor codes (TOTP or recovery code) allowed per admin and per IP in the same window. */
export const SECOND_FACTOR_LIMITS = { perAdmin: 5, perIp: 50 } as const;

/** A sign-in limit: in memory (embedded database), or strict in the shared store (every process together). */
interface LoginLimiter {
  consume(key: string): Promise<void>;
  reward(key: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface LoginLimiters {
  emailIp: LoginLimiter;
  ip: LoginLimiter;
  /** Second-factor codes (docs/decisions/0019-two-factor.md): per admin, whatever the IP, and per IP. */
  secondFactorAdmin: LoginLimiter;
  secondFactorIp: LoginLimiter;
}

function memoryLimiter(keyPrefix: string, points: number): LoginLimiter {
  const limiter = new RateLimiterMemory({ keyPrefix, points, duration: LOGIN_LIMITS.windowSeconds });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
      } catch (res) {
        if (res instanceof RateLimiterRes) throw tooManyAttempts(res.msBeforeNext);
        throw res;
      }
    },
    reward: async (key) => {
      await limiter.reward(key, 1);
    },
    delete: async (key) => {
      await limiter.delete(key);
    },
  };
}

/**
 * Strict (`block: 0`): every attempt is claimed in the store before the password is checked, so
 * all processes together allow exactly the limit. One store round trip per sign-in attempt, next
 * to a password hash.
 */
function sharedLimiter(store: CounterStore, prefix: string, points: number, logger: PlatformContext["logger"]): LoginLimiter {
  const limiter = new WindowLimiter(store, { prefix, points, durationSec: LOGIN_LIMITS.windowSeconds, block: 0, logger });
  return {
    async consume(key) {
      const d = await limiter.take(key);
      if (!d.allowed) throw tooManyAttempts(d.msBeforeNext);
    },
    reward: (key) => limiter.refund(key),
    delete: (key) => limiter.reset(key),
  };
}

/** One set per platform (tests run several platforms in one process). */
const registry = new WeakMap<PlatformContext, LoginLimiters>();

export function loginLimiters(ctx: PlatformContext): LoginLimiters {
  let l = registry.get(ctx);
  if (!l) {
    const store = ctx.counters;
    l = store
      ? {
          emailIp: sharedLimiter(store, "login_email_ip", LOGIN_LIMITS.perEmailAndIp, ctx.logger),
          ip: sharedLimiter(store, "login_ip", LOGIN_LIMITS.perIp, ctx.logger),
          secondFactorAdmin: sharedLimiter(store, "2fa_admin", SECOND_FACTOR_LIMITS.perAdmin, ctx.logger),
          secondFactorIp: sharedLimiter(store, "2fa_ip", SECOND_FACTOR_LIMITS.perIp, ctx.logger),
        }
      : {
          emailIp: memoryLimiter("login_email_ip", LOGIN_LIMITS.perEmailAndIp),
          ip: memoryLimiter("login_ip", LOGIN_LIMITS.perIp),
          secondFactorAdmin: memoryLimiter("2fa_admin", SECOND_FACTOR_LIMITS.perAdmin),
          secondFactorIp: memoryLimiter("2fa_ip", SECOND_FACTOR_LIMITS.perIp),
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

/**
 * Charges a sign-in attempt as a failure to its (e-mail, IP) and its IP BEFORE the password is
 * checked: consume is atomic, so however many attempts arrive at once, at most the limit of
 * them ever reach a password hash. Throws DomainError("rate_limited") over either limit.
 * Call `succeeded` after a successful sign-in: it gives the charge back and clears the
 * (e-mail, IP) count.
 */
export async function chargeLoginAttempt(ctx: PlatformContext, email: string, ip: string): Promise<{ succeeded(): Promise<void> }> {
  const l = loginLimiters(ctx);
  return charge(l.emailIp, emailIpKey(email, ip), l.ip, ip);
}

/**
 * The same for a second-factor code (TOTP or recovery code), charged to the admin (whatever the
 * IP: a code has only a million values) and to the IP before the code is checked.
 */
export async function chargeSecondFactorAttempt(ctx: PlatformContext, adminId: string, ip: string): Promise<{ succeeded(): Promise<void> }> {
  const l = loginLimiters(ctx);
  return charge(l.secondFactorAdmin, adminId, l.secondFactorIp, ip);
}

async function charge(who: LoginLimiter, whoKey: string, byIp: LoginLimiter, ip: string): Promise<{ succeeded(): Promise<void> }> {
  await who.consume(whoKey);
  try {
    await byIp.consume(ip);
  } catch (err) {
    // Refused before any check: not a failure of this e-mail or admin.
    await who.reward(whoKey);
    throw err;
  }
  return {
    async succeeded() {
      await Promise.all([who.delete(whoKey), byIp.reward(ip)]);
    },
  };
}
