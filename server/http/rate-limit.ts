import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";

/**
 * Per-process limits (rate-limiter-flexible). Several web processes each enforce their
 * own share; a shared store (PostgreSQL or Redis limiter of the same library) is the
 * upgrade path when that matters.
 */
export interface RateLimits {
  /** Consume one request of `key`; throws DomainError("rate_limited") with Retry-After when over. */
  take(kind: LimitKind, key: string): Promise<void>;
  /** Like take, but only checks: for limits that count failures (bad signatures). */
  check(kind: LimitKind, key: string): Promise<void>;
}
export type LimitKind = "createPerClient" | "createPerIp" | "verifyPerIp" | "badSignaturePerIp";

function rateLimited(res: RateLimiterRes): DomainError {
  const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new DomainError("rate_limited", `Too many requests; retry in ${seconds} s`, undefined, { retry_after_seconds: seconds });
}

export function createRateLimits(config: PlatformContext["config"]["rateLimits"]): RateLimits {
  const limiters = new Map<LimitKind, RateLimiterMemory>();
  for (const [kind, perMinute] of Object.entries(config) as [LimitKind, number][]) {
    if (perMinute > 0) limiters.set(kind, new RateLimiterMemory({ keyPrefix: kind, points: perMinute, duration: 60 }));
  }
  return {
    async take(kind, key) {
      const limiter = limiters.get(kind);
      if (!limiter) return;
      try {
        await limiter.consume(key);
      } catch (res) {
        if (res instanceof RateLimiterRes) throw rateLimited(res);
        throw res;
      }
    },
    async check(kind, key) {
      const limiter = limiters.get(kind);
      const res = limiter ? await limiter.get(key) : null;
      if (limiter && res && res.consumedPoints >= limiter.points) throw rateLimited(res);
    },
  };
}
