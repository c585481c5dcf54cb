import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";

/**
 * Per-process limits (rate-limiter-flexible). Several web processes each enforce their
 * own share; a shared store (PostgreSQL or Redis limiter of the same library) is the
 * upgrade path when that matters.
 *
 * Every limit consumes before it decides: `consume` is atomic within the process, so a burst
 * of parallel requests cannot get more than the limit through (a "check, then count later"
 * would let every request of the burst pass the check). What turns out not to count (a lookup
 * that found its payment, for the miss limit) is given back with `refund`.
 */
export interface RateLimits {
  /** Consume one point of `key`; throws DomainError("rate_limited") with Retry-After when over. */
  take(kind: LimitKind, key: string): Promise<void>;
  /** Give back a point taken with `take` (never below zero within the window). */
  refund(kind: LimitKind, key: string): Promise<void>;
}
export type LimitKind = keyof PlatformContext["config"]["rateLimits"];

export function rateLimitedError(msBeforeNext: number): DomainError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
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
        if (res instanceof RateLimiterRes) throw rateLimitedError(res.msBeforeNext);
        throw res;
      }
    },
    async refund(kind, key) {
      const limiter = limiters.get(kind);
      if (!limiter) return;
      // A window that ended in between has nothing to give back (reward would start the next one below zero).
      const res = await limiter.get(key);
      if (res && res.consumedPoints > 0) await limiter.reward(key, 1);
    },
  };
}
