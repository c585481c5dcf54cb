import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { WindowLimiter } from "../db/rate-limits";
import { DomainError } from "../lib/errors";
import type { PlatformContext } from "../platform/context";

/**
 * The public limits, counted for every process together when the platform has a shared store
 * (`ctx.counters`: PostgreSQL, or Redis with REDIS_URL; server/db/rate-limits.ts): a process
 * spends blocks of the window's budget in memory and claims the next block in the background, so
 * no request waits for the store while its process holds points (verify is polled every 3 s by
 * every buyer). N processes together allow at most the limit + N × 5 % of it per window
 * (docs/scaling.md#rate-limits). The embedded database serves one process: in memory
 * (rate-limiter-flexible), exact.
 *
 * Every limit consumes before it decides: a burst of parallel requests cannot get more than the
 * limit through (a "check, then count later" would let every request of the burst pass the
 * check). What turns out not to count (a lookup that found its payment, for the miss limit) is
 * given back with `refund` (docs/decisions/0007).
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

interface Limiter {
  take(key: string): Promise<void>;
  refund(key: string): Promise<void>;
}

function memoryLimiter(kind: LimitKind, perMinute: number): Limiter {
  const limiter = new RateLimiterMemory({ keyPrefix: kind, points: perMinute, duration: 60 });
  return {
    async take(key) {
      try {
        await limiter.consume(key);
      } catch (res) {
        if (res instanceof RateLimiterRes) throw rateLimitedError(res.msBeforeNext);
        throw res;
      }
    },
    async refund(key) {
      // A window that ended in between has nothing to give back (reward would start the next one below zero).
      const res = await limiter.get(key);
      if (res && res.consumedPoints > 0) await limiter.reward(key, 1);
    },
  };
}

function sharedLimiter(limiter: WindowLimiter): Limiter {
  return {
    async take(key) {
      const d = await limiter.take(key);
      if (!d.allowed) throw rateLimitedError(d.msBeforeNext);
    },
    refund: (key) => limiter.refund(key),
  };
}

export function createRateLimits(ctx: Pick<PlatformContext, "config" | "counters" | "logger">): RateLimits {
  const limiters = new Map<LimitKind, Limiter>();
  for (const [kind, perMinute] of Object.entries(ctx.config.rateLimits) as [LimitKind, number][]) {
    if (perMinute <= 0) continue;
    limiters.set(
      kind,
      ctx.counters
        ? sharedLimiter(new WindowLimiter(ctx.counters, { prefix: kind, points: perMinute, durationSec: 60, logger: ctx.logger }))
        : memoryLimiter(kind, perMinute),
    );
  }
  return {
    async take(kind, key) {
      await limiters.get(kind)?.take(key);
    },
    async refund(kind, key) {
      await limiters.get(kind)?.refund(key);
    },
  };
}
